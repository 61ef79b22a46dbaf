using Portico.Cli;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>Shell completion (issue 22): the <c>[suggest]</c> directive answers from the command tree; <c>completion</c> prints scripts.</summary>
public sealed class CompletionCommandTests
{
    [Theory]
    [InlineData("[suggest:9]", "config va", "validate")]
    [InlineData("[suggest]", "key", "keys")] // not "ke": System.CommandLine also suggests names containing the text, and "backends" does
    [InlineData("[suggest:8]", "keys rev", "revoke")]
    [InlineData("[suggest]", "serve --all", "--allow-empty")]
    [InlineData("[suggest]", "completion z", "zsh")]
    public async Task Suggest_PartialLine_AnswersTheCommandsAndOptionsThatFit(string directive, string line, string expected)
    {
        var (code, output, error) = await PorticoCli.RunAsync(directive, line);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Equal([expected], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Suggest_AfterACommand_ListsItsSubcommands()
    {
        var (code, output, _) = await PorticoCli.RunAsync("[suggest:7]", "config ");

        Assert.Equal(ExitCodes.Ok, code);
        var suggestions = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Subset(suggestions.ToHashSet(), new HashSet<string> { "validate", "import", "export", "diff" });
    }

    [Theory]
    [InlineData("[suggest:99]")]
    [InlineData("[suggest:x]")]
    [InlineData("[suggestion]")]
    public async Task Suggest_BadPosition_ExitsTwoWithOneLine(string directive)
    {
        var (code, output, error) = await PorticoCli.RunAsync(directive, "config");

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Equal(string.Empty, output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _portico_completions portico")]
    [InlineData("zsh", "compdef _portico portico")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName portico")]
    public async Task Completion_Shell_PrintsItsScript(string shell, string registration)
    {
        var (code, output, _) = await PorticoCli.RunAsync("completion", shell);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains(registration, output, StringComparison.Ordinal);
        Assert.Contains("[suggest:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_UnknownShell_ExitsTwo()
    {
        var (code, _, error) = await PorticoCli.RunAsync("completion", "fish");

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("fish", error, StringComparison.Ordinal);
    }
}
