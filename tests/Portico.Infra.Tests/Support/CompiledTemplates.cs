namespace Portico.Infra.Tests.Support;

/// <summary>Builds Bicep files to ARM JSON in a temp directory; main.bicep is built once per test run.</summary>
internal static class CompiledTemplates
{
    private static readonly Lazy<ArmTemplate> MainTemplate = new(() => Build("main.bicep"));

    /// <summary>infra/main.bicep, compiled; its modules are nested deployments inside it.</summary>
    public static ArmTemplate Main => MainTemplate.Value;

    /// <summary>Builds <paramref name="relativePath"/> (under infra/) and fails unless the build is clean.</summary>
    public static ArmTemplate Build(string relativePath)
    {
        var (result, json) = TryBuild(relativePath);
        Assert.True(result.IsClean, $"bicep build {relativePath}: {result}");
        return ArmTemplate.Parse(json!, Path.GetFileNameWithoutExtension(relativePath));
    }

    /// <summary>Runs <c>bicep build</c> on <paramref name="relativePath"/>; the JSON is null when no file was written.</summary>
    public static (BicepResult Result, string? Json) TryBuild(string relativePath)
    {
        using var output = new TempDirectory();
        var outFile = Path.Combine(output.Path, "template.json");
        var result = BicepCli.Run(Repository.Infra, "build", relativePath, "--outfile", outFile, "--no-restore");
        return (result, File.Exists(outFile) ? File.ReadAllText(outFile) : null);
    }
}
