using System.CommandLine;
using System.CommandLine.Completions;
using System.Globalization;

namespace Portico.Cli.Completion;

/// <summary>
/// Shell completion: <c>portico completion bash|zsh|pwsh</c> prints a script for the shell's profile, and the
/// <c>[suggest:POSITION] "LINE"</c> directive those scripts call answers with one suggestion a line.
/// </summary>
internal static class CompletionCommand
{
    private const string DirectivePrefix = "[suggest";

    public static Command Create(TextWriter output)
    {
        var shell = new Argument<string>("SHELL") { Description = "The shell: bash, zsh or pwsh." };
        shell.AcceptOnlyFromAmong([.. CompletionScripts.Shells]);
        var command = new Command("completion", "Print the shell completion script for bash, zsh or pwsh (add it to the shell's profile).") { shell };
        command.SetAction(async (parsed, ct) =>
        {
            await output.WriteAsync(CompletionScripts.For(parsed.GetRequiredValue(shell)).AsMemory(), ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Whether <paramref name="args"/> is a completion request: <c>[suggest]</c> or <c>[suggest:POSITION]</c>, then the line.</summary>
    public static bool IsRequest(string[] args) =>
        args.Length is 1 or 2 && args[0].StartsWith(DirectivePrefix, StringComparison.Ordinal) && args[0].EndsWith(']');

    /// <summary>
    /// Writes the suggestions for the line (the text after <c>portico</c>) at the position, one a line, as
    /// System.CommandLine's own suggest directive would on a root command; our root is a plain command so that help
    /// says <c>portico</c> under <c>dotnet run</c> too, and plain commands take no directives.
    /// </summary>
    public static async Task<int> SuggestAsync(Command root, string[] args, TextWriter output, TextWriter error)
    {
        var line = args.Length == 2 ? args[1] : string.Empty;
        var position = line.Length;
        var directive = args[0][DirectivePrefix.Length..^1];
        if (directive.Length > 0
            && (directive[0] != ':' || !int.TryParse(directive.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out position) || position > line.Length))
        {
            await error.WriteLineAsync($"portico: '{args[0]}' is not [suggest] or [suggest:POSITION] with a position within the line.");
            return ExitCodes.Invalid;
        }

        foreach (var suggestion in root.Parse(line).GetCompletions(position))
        {
            await output.WriteLineAsync(suggestion.Label);
        }

        return ExitCodes.Ok;
    }
}
