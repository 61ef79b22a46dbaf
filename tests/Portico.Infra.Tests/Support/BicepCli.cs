using System.Diagnostics;

namespace Portico.Infra.Tests.Support;

/// <summary>
/// Runs the <c>bicep</c> executable of the Azure.Bicep.CommandLine.linux-x64 package that restore installed
/// (or the one named by the <c>BICEP_PATH</c> environment variable). Commands never restore registry modules.
/// </summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string> Executable = new(Locate);

    /// <summary>Runs bicep with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static BicepResult Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new BicepResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string Locate()
    {
        var path = Environment.GetEnvironmentVariable("BICEP_PATH");
        if (string.IsNullOrEmpty(path))
        {
            var package = Repository.Metadata("BicepPackageDirectory");
            if (string.IsNullOrEmpty(package))
            {
                throw new InvalidOperationException("The build recorded no Azure.Bicep.CommandLine.linux-x64 package path: run dotnet restore.");
            }

            path = Path.Combine(package, "tools", "bicep");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException("No bicep executable (the package is linux-x64; elsewhere set BICEP_PATH).", path);
        }

        // Package extraction does not always keep the executable bit.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | execute);
            }
        }

        return path;
    }
}
