using Portico.Cli;

namespace Portico.Tests.Infrastructure;

/// <summary>Runs the <c>portico</c> command in-process, capturing its output and exit code.</summary>
public static class PorticoCli
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PorticoCommand.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
