using System.CommandLine;
using Portico.Cli.Admin;
using Portico.Cli.Cache;
using Portico.Cli.Config;
using Portico.Cli.Demo;
using Portico.Cli.Keys;
using Portico.Cli.Serve;

namespace Portico.Cli;

/// <summary>The <c>portico</c> command line: <c>serve</c>, <c>config …</c>, <c>keys …</c>, <c>admin …</c>, <c>cache purge …</c> and <c>demo</c>.</summary>
internal static class PorticoCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Portico: a serverless API gateway for Azure.")
        {
            ServeCommand.Create(output, error),
            ConfigCommands.Create(output, error),
            DemoCommand.Create(output, error),
            KeysCommands.Create(output, error),
            AdminCommands.Create(output, error),
            CacheCommands.Create(output, error),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"portico: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'portico --help' for usage.");
            return ExitCodes.Invalid;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
