using System.Text.RegularExpressions;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Docs;

/// <summary>
/// The documentation's relative links lead somewhere, and the README points at the newest benchmark report, so a
/// renamed file or a new run cannot leave a reader at a dead end or an old number.
/// </summary>
public sealed partial class DocumentationLinksTests
{
    public static TheoryData<string> MarkdownFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in new[] { "README.md", "bench/README.md", "bench/RateLimitAccuracy/README.md" }
            .Concat(Directory.EnumerateFiles(Repository.Path("docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public async Task Markdown_RelativeLinks_PointToExistingFiles(string file)
    {
        var path = Repository.Path(file);
        var text = await File.ReadAllTextAsync(path);
        var broken = new List<string>();
        foreach (Match link in RelativeLink().Matches(text))
        {
            var target = link.Groups[1].Value;
            var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add(target);
            }
        }

        Assert.Empty(broken);
    }

    [Fact]
    public async Task Readme_LinksTheNewestBenchmarkReport()
    {
        var newest = Directory.EnumerateFiles(Repository.Path("bench", "results"), "*.md")
            .Select(Path.GetFileName)
            .Max(StringComparer.Ordinal); // report names start with the run's UTC time, so they sort by age
        Assert.NotNull(newest);

        var readme = await File.ReadAllTextAsync(Repository.Path("README.md"));

        Assert.Contains($"(bench/results/{newest})", readme, StringComparison.Ordinal);
    }

    // [text](target) where target is not a URL with a scheme and not a bare #anchor; the #anchor part is left off.
    [GeneratedRegex(@"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:)(?!#)([^)#\s]+)(?:#[^)\s]*)?\)")]
    private static partial Regex RelativeLink();
}
