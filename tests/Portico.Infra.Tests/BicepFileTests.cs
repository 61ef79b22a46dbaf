using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>Every Bicep file under infra/ builds, lints and is formatted, with no diagnostic of any level.</summary>
public sealed partial class BicepFileTests
{
    /// <summary>The .bicep files under infra/, relative to it.</summary>
    public static TheoryData<string> InfraFiles() => new(Repository.BicepFiles());

    [Theory]
    [MemberData(nameof(InfraFiles))]
    public void Build_InfraFile_CompilesWithoutDiagnostics(string file)
    {
        var (result, json) = CompiledTemplates.TryBuild(file);

        Assert.True(result.IsClean, $"bicep build {file}: {result}");
        Assert.IsType<JsonObject>(JsonNode.Parse(json!));
    }

    [Theory]
    [MemberData(nameof(InfraFiles))]
    public void Lint_InfraFile_ReportsNothing(string file)
    {
        var result = BicepCli.Run(Repository.Infra, "lint", file, "--no-restore");

        Assert.True(result.IsClean, $"bicep lint {file}: {result}");
    }

    [Theory]
    [MemberData(nameof(InfraFiles))]
    public void Format_InfraFile_IsAlreadyFormatted(string file)
    {
        var result = BicepCli.Run(Repository.Infra, "format", file, "--stdout");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Infra, file)), result.StandardOutput);
    }

    [Theory]
    [MemberData(nameof(InfraFiles))]
    public void ModuleReferences_InfraFile_AreLocalFiles(string file)
    {
        // Registry (br:, br/public:) and template spec (ts:) modules cannot be restored without a network.
        var text = File.ReadAllText(Path.Combine(Repository.Infra, file));

        var external = ModuleReference().Matches(text).Select(match => match.Groups["path"].Value)
            .Where(path => path.Contains(':', StringComparison.Ordinal))
            .ToList();

        Assert.Empty(external);
    }

    [Fact]
    public void BicepFiles_Infra_IncludeMainAndItsModules()
    {
        var files = Repository.BicepFiles();

        Assert.Contains("main.bicep", files);
        Assert.Contains(files, file => file.StartsWith("modules/", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\s*module\s+\w+\s+'(?<path>[^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModuleReference();
}
