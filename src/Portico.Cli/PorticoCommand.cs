using System.CommandLine;
using System.CommandLine.Help;
using Portico.Cli.Admin;
using Portico.Cli.Cache;
using Portico.Cli.Completion;
using Portico.Cli.Config;
using Portico.Cli.Demo;
using Portico.Cli.Health;
using Portico.Cli.Keys;
using Portico.Cli.Serve;

namespace Portico.Cli;

/// <summary>The <c>portico</c> command line: <c>serve</c>, <c>config …</c>, <c>keys …</c>, <c>admin …</c>, <c>cache purge …</c> and <c>demo</c>.</summary>
internal static class PorticoCommand
{
    /// <summary>The command's name, as help and messages show it.</summary>
    public const string Root = "portico";

    /// <summary>Runs one command line; the exit code is one of <see cref="ExitCodes"/>, whatever happens.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        // A plain command named portico, not RootCommand: that one takes the running file's name, which is
        // "Portico.Cli" under dotnet run, and help would show it.
        var root = new Command(Root, "Portico: a serverless API gateway for Azure.")
        {
            ServeCommand.Create(output, error),
            ConfigCommands.Create(output, error),
            DemoCommand.Create(output, error),
            KeysCommands.Create(output, error),
            AdminCommands.Create(output, error),
            HealthCommand.Create(output, error),
            CompletionCommand.Create(output),
            new HelpOption { Recursive = true },
            new VersionOption(),
            CacheCommands.Create(output, error),
            Analytics.AnalyticsCommand.Create(output, error),
            Backends.BackendsCommands.Create(output, error),
        };

        if (CompletionCommand.IsRequest(args))
        {
            return await CompletionCommand.SuggestAsync(root, args, output, error);
        }

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

        try
        {
            // Exceptions reach the handler below instead of System.CommandLine's, which prints a stack trace and exits 1.
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception ex)
        {
            return await CliFailure.ReportAsync(Name(parsed.CommandResult.Command), ex, error, cancellationToken);
        }
    }

    /// <summary>The full name of a command, such as <c>portico config import</c>, for messages.</summary>
    public static string Name(Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return string.Join(' ', names);
    }
}
