using System.Diagnostics;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// <c>portico</c> on PATH (issue 22): the repository's CLI project packs into a .NET tool package that installs with
/// docs/cli.md's command from a local folder, runs as <c>portico</c>, and completes in bash through its own
/// <c>completion</c> script.
/// </summary>
public sealed class ToolPackageTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task PackAndInstall_FromLocalFolder_PorticoRunsFromToolPathAndCompletesInBash()
    {
        using var temp = new TempDirectory();
        var packages = temp.File("artifacts");
        var tools = temp.File("tools");
        // Its own NuGet package folder, so that an earlier install of the same version cannot stand in for this build.
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = temp.File("nuget-packages") };

        // The tests' own build of the project, packed as it is (building it again here would race the test run's build).
        var (packCode, packOutput) = await RunAsync("dotnet", environment,
            "pack", Repository.Path("src", "Portico.Cli"), "--no-build", "-c", BuildConfiguration(), "-o", packages);
        Assert.True(packCode == 0, packOutput);
        var package = Assert.Single(Directory.GetFiles(packages, "Portico.Cli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["Portico.Cli.".Length..];

        // docs/cli.md's install command, with --tool-path in place of --global.
        var (installCode, installOutput) = await RunAsync("dotnet", environment,
            "tool", "install", "Portico.Cli", "--source", packages, "--tool-path", tools);
        Assert.True(installCode == 0, installOutput);

        var portico = Path.Combine(tools, "portico");
        var (versionCode, versionOutput) = await RunAsync(portico, environment, "--version");
        Assert.Equal(0, versionCode);
        Assert.StartsWith(version + "+", versionOutput.Trim(), StringComparison.Ordinal);

        // The bash script, sourced as docs/cli.md says, completes "portico config va" to "validate" by asking portico.
        environment["PATH"] = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        const string Script = """
            eval "$(portico completion bash)"
            COMP_LINE='portico config va'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(portico config va); COMP_CWORD=2
            _portico_completions
            printf '%s\n' "${COMPREPLY[@]}"
            """;
        var (bashCode, bashOutput) = await RunAsync("bash", environment, "-c", Script);
        Assert.True(bashCode == 0, bashOutput);
        Assert.Equal("validate", bashOutput.Trim());
    }

    /// <summary>Release or Debug, as the tests themselves were built (their output folder says which).</summary>
    private static string BuildConfiguration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {CommandTimeout}.");
        }

        return (process.ExitCode, await output + await error);
    }
}
