using System.Text.Json;
using System.Text.RegularExpressions;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Docs;

/// <summary>
/// Facts that live in one place of the documentation, held there mechanically (issue 22): the tables Portico uses
/// (docs/storage.md, the Bicep templates and the code's defaults agree, and no other page lists them), how Azurite is
/// started (one command, with the package the tests pin), and links to a section lead to a heading that exists.
/// </summary>
public sealed partial class DocumentedFactsTests
{
    private static readonly string[] CodeDefaults =
    [
        Portico.Storage.Tables.TableRegistryStore.DefaultTableName,
        Portico.Storage.Tables.TableApiKeyStore.DefaultTableName,
        new Portico.RateLimiting.RateLimitingOptions().TableName,
        Portico.Storage.Tables.TableCircuitBreakerStore.DefaultTableName,
        new Portico.Analytics.AnalyticsOptions().TableName,
    ];

    private static IEnumerable<string> Pages() =>
        new[] { "README.md" }.Concat(Directory.EnumerateFiles(Repository.Path("docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f)));

    [Fact]
    public void Tables_StorageMdListsExactlyTheBicepTablesAndTheCodeDefaults()
    {
        var storage = File.ReadAllText(Repository.Path("docs", "storage.md"));
        var section = Section(storage, "## Tables");
        var documented = TableRowName().Matches(section).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();

        var bicep = File.ReadAllText(Repository.Path("infra", "main.bicep"));
        var list = bicep[bicep.IndexOf("var porticoTables = [", StringComparison.Ordinal)..];
        var templates = QuotedName().Matches(list[..list.IndexOf(']', StringComparison.Ordinal)]).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(CodeDefaults.Order(StringComparer.Ordinal), documented);
        Assert.Equal(templates, documented);
    }

    [Fact]
    public void Tables_NoOtherPageListsThem()
    {
        var offenders = Pages()
            .Where(page => page != "docs/storage.md")
            .SelectMany(page => File.ReadAllLines(Repository.Path(page)).Select((line, i) => (page, line, i)))
            .Where(l => CodeDefaults.Count(t => l.line.Contains(t, StringComparison.Ordinal)) >= 2)
            .Select(l => $"{l.page}:{l.i + 1}: {l.line}")
            .ToList();

        Assert.True(offenders.Count == 0, "link to docs/storage.md#tables instead of listing tables:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Azurite_StartedOneWayWithThePinnedPackage()
    {
        var starts = Pages()
            .SelectMany(page => File.ReadAllLines(Repository.Path(page)).Select((line, i) => (page, line, i)))
            .Where(l => AzuriteStart().IsMatch(l.line))
            .ToList();

        var only = Assert.Single(starts);
        Assert.Equal("docs/storage.md", only.page);
        Assert.Contains("tests/azurite/node_modules/.bin/azurite ", only.line, StringComparison.Ordinal);
        Assert.Contains("(cd tests/azurite && npm ci)", only.line, StringComparison.Ordinal);
        // The same package the test command installs, at an exact version.
        Assert.Contains("tests/azurite/node_modules/.bin/azurite-table", File.ReadAllText(Repository.Path("test.sh")), StringComparison.Ordinal);
        var version = JsonDocument.Parse(File.ReadAllText(Repository.Path("tests", "azurite", "package.json"))).RootElement.GetProperty("dependencies").GetProperty("azurite").GetString();
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
    }

    [Theory]
    [MemberData(nameof(DocumentationLinksTests.MarkdownFiles), MemberType = typeof(DocumentationLinksTests))]
    public void Markdown_LinksToASection_LeadToAHeadingThatExists(string file)
    {
        var path = Repository.Path(file);
        var broken = new List<string>();
        foreach (Match link in SectionLink().Matches(File.ReadAllText(path)))
        {
            var target = link.Groups[1].Value.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, link.Groups[1].Value));
            if (File.Exists(target) && !Anchors(File.ReadAllText(target)).Contains(link.Groups[2].Value))
            {
                broken.Add(link.Value);
            }
        }

        Assert.Empty(broken);
    }

    /// <summary>The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && Heading().Match(line) is { Success: true } heading)
            {
                var slug = NotInSlug().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
                var unique = slug;
                for (int n = 1; !anchors.Add(unique); n++)
                {
                    unique = $"{slug}-{n}";
                }
            }
        }

        return anchors;
    }

    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{heading}' section");
        var end = markdown.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    [GeneratedRegex(@"^\| `(Portico[A-Za-z]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRowName();

    [GeneratedRegex(@"'(Portico[A-Za-z]+)'")]
    private static partial Regex QuotedName();

    // A command that starts Azurite: npx/npm-installed, or the binary itself with options.
    [GeneratedRegex(@"npx\s+azurite|npm\s+(install|i)\s+(-g\s+)?azurite|(^|[\s;&(`/])azurite(-table|-blob|-queue)?\s+-")]
    private static partial Regex AzuriteStart();

    // [text](file.md#anchor) or [text](#anchor) to a Markdown page.
    [GeneratedRegex(@"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:)([^)#\s]*\.md|)#([^)\s]+)\)")]
    private static partial Regex SectionLink();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{Nd}\- _]")]
    private static partial Regex NotInSlug();
}
