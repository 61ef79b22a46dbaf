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

    /// <summary>
    /// Every subcommand by the name it answers to. System.CommandLine builds a command's options, arguments and validators
    /// when the command is made, the whole tree about 17 ms of a published <c>serve</c>'s start (issue 25), so a command
    /// line that starts with one of these names gets a tree with that subcommand alone; any other (help, the version,
    /// completion, a misspelled name) gets them all, so help lists every command and a typo is answered with suggestions.
    /// </summary>
    internal static readonly (string Name, Func<TextWriter, TextWriter, Command> Create)[] Subcommands =
    [
        ("serve", ServeCommand.Create),
        ("config", ConfigCommands.Create),
        ("demo", DemoCommand.Create),
        ("keys", KeysCommands.Create),
        ("admin", AdminCommands.Create),
        ("health", HealthCommand.Create),
        ("completion", static (output, _) => CompletionCommand.Create(output)),
        ("cache", CacheCommands.Create),
        ("analytics", Analytics.AnalyticsCommand.Create),
        ("backends", Backends.BackendsCommands.Create),
    ];

    /// <summary>Runs one command line; the exit code is one of <see cref="ExitCodes"/>, whatever happens.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        // A completion request starts with a directive, never with a command's name: it gets the whole tree.
        var root = Create(output, error, args.FirstOrDefault(), MayAskForHelpOrVersion(args));
        return CompletionCommand.IsRequest(args)
            ? await CompletionCommand.SuggestAsync(root, args, output, error)
            : await RunAsync(root, args, output, error, cancellationToken);
    }

    /// <summary>Parses and runs a command line against <paramref name="root"/>: parse errors, the action, its failure.</summary>
    internal static async Task<int> RunAsync(Command root, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
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

    /// <summary>
    /// The <c>portico</c> command with every subcommand, or with only the one named <paramref name="subcommand"/> when
    /// there is one by that name; that one has the help and version options only when <paramref name="helpAndVersion"/>.
    /// </summary>
    internal static Command Create(TextWriter output, TextWriter error, string? subcommand = null, bool helpAndVersion = true)
    {
        // A plain command named portico, not RootCommand: that one takes the running file's name, which is
        // "Portico.Cli" under dotnet run, and help would show it.
        var root = new Command(Root, "Portico: a serverless API gateway for Azure.");
        var named = Array.FindIndex(Subcommands, s => s.Name == subcommand);
        if (named < 0 || helpAndVersion)
        {
            root.Options.Add(new HelpOption { Recursive = true });
            root.Options.Add(new VersionOption());
        }

        foreach (var (_, create) in named >= 0 ? Subcommands[named..(named + 1)] : Subcommands)
        {
            root.Subcommands.Add(create(output, error));
        }

        return root;
    }

    /// <summary>
    /// Whether a command line may ask for help or the version. System.CommandLine reads both options' descriptions from
    /// its resources when the options are made, and that first use of the resource reader cost several milliseconds of a
    /// published <c>serve</c>'s start (issue 25); a command line without such a token, or a response file that could hold
    /// one, parses the same without them (<c>SubcommandTreeTests</c>).
    /// </summary>
    internal static bool MayAskForHelpOrVersion(IReadOnlyList<string> args)
    {
        foreach (var arg in args)
        {
            if (arg is "--help" or "-h" or "/h" or "-?" or "/?" or "--version" || arg.StartsWith('@')
                || (arg.Length > 2 && arg[0] == '-' && arg[1] != '-' && (arg.Contains('h') || arg.Contains('?'))))
            {
                return true; // the last: bundled short options such as -xh
            }
        }

        return false;
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
