using Portico.Cli;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// A command line that names a subcommand gets a tree with that subcommand alone (issue 25: building every command
/// cost milliseconds at each start); it must behave exactly as in the whole tree.
/// </summary>
public sealed class SubcommandTreeTests
{
    public static TheoryData<string> Names => [.. PorticoCommand.Subcommands.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Subcommand_IsNamedAsTheTableSays(string name)
    {
        var command = Assert.Single(PorticoCommand.Create(TextWriter.Null, TextWriter.Null, name).Subcommands);

        Assert.Equal(name, command.Name);
    }

    [Fact]
    public void WholeTree_HasEveryCommandOnceAndTheRootOptions()
    {
        var root = PorticoCommand.Create(TextWriter.Null, TextWriter.Null, "no-such-command");

        Assert.Equal(PorticoCommand.Subcommands.Select(s => s.Name), root.Subcommands.Select(c => c.Name));
        Assert.Contains(root.Options, o => o.Name == "--help");
        Assert.Contains(root.Options, o => o.Name == "--version");
    }

    [Theory]
    [InlineData("serve --help")]
    [InlineData("serve -h")]
    [InlineData("serve -?")]
    [InlineData("config --version")]
    [InlineData("serve @no-such-response-file.rsp")]
    [InlineData("serve --urls")]
    [InlineData("serve --no-such-option")]
    [InlineData("serve --client-certificates maybe")]
    [InlineData("keys create --help")]
    [InlineData("keys --help")]
    [InlineData("config validate")]
    [InlineData("admin key create --help")]
    [InlineData("health --url")]
    [InlineData("completion --help")]
    [InlineData("cache purge --help")]
    [InlineData("analytics --help")]
    [InlineData("backends --help")]
    [InlineData("demo --help")]
    public async Task CommandLine_AnswersAsTheWholeTreeDoes(string arguments)
    {
        var args = arguments.Split(' ');

        var alone = await PorticoCli.RunAsync(args);
        var whole = await RunInWholeTreeAsync(args);

        Assert.Equal(whole, alone);
    }

    [Theory]
    [InlineData("serve --config portico.json --urls http://127.0.0.1:7071", false)]
    [InlineData("keys create --consumer acme", false)]
    [InlineData("serve --help", true)]
    [InlineData("serve -h", true)]
    [InlineData("serve /?", true)]
    [InlineData("--version", true)]
    [InlineData("serve @arguments.rsp", true)]
    public void HelpAndVersionOptions_AreMadeWhenATokenCouldAskForThem(string arguments, bool expected)
    {
        var args = arguments.Split(' ');
        var asks = PorticoCommand.MayAskForHelpOrVersion(args);
        var tree = PorticoCommand.Create(TextWriter.Null, TextWriter.Null, args[0], asks);

        Assert.Equal(expected, asks);
        // A line that starts with no subcommand's name (--version here) gets the whole tree, which always has them.
        var wholeTree = !PorticoCommand.Subcommands.Any(s => s.Name == args[0]);
        Assert.Equal(asks || wholeTree, tree.Options.Any(o => o.Name == "--help"));
        Assert.Equal(asks || wholeTree, tree.Options.Any(o => o.Name == "--version"));
    }

    [Fact]
    public async Task MisspelledCommand_IsAnsweredFromTheWholeTree()
    {
        var (code, _, error) = await PorticoCli.RunAsync("serv", "--urls", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("'serv'", error, StringComparison.Ordinal);
    }

    private static async Task<(int, string, string)> RunInWholeTreeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PorticoCommand.RunAsync(PorticoCommand.Create(output, error), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
