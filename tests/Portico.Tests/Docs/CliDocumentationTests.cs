using System.Reflection;
using System.Text.RegularExpressions;
using Portico.Cli;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Docs;

/// <summary>docs/cli.md states the exit codes the command uses: the table and <see cref="ExitCodes"/> hold the same codes.</summary>
public sealed partial class CliDocumentationTests
{
    [Fact]
    public void ExitCodeTable_ListsExactlyTheCodesTheCommandUses()
    {
        var markdown = File.ReadAllText(Repository.Path("docs/cli.md"));
        var section = markdown[markdown.IndexOf("## Exit codes", StringComparison.Ordinal)..];
        var documented = TableRow().Matches(section).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

        var used = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (int)f.GetRawConstantValue()!)
            .ToHashSet();

        Assert.Equal(used.Order(), documented.Order());
    }

    [GeneratedRegex(@"^\| (\d+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
