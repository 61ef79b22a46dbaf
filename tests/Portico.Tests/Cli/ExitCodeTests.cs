using System.Net;
using System.Net.Sockets;
using Portico.Cli;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// Every verb of the real <c>portico</c> process answers each kind of operator mistake with one clear message, no
/// stack trace, and the exit code of the table in docs/cli.md (issue 22).
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private const string Valid = """{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }""";

    private readonly TempDirectory _directory = new();

    public ExitCodeTests()
    {
        File.WriteAllText(_directory.File("ok.json"), Valid);
        File.WriteAllText(_directory.File("syntax.json"), "{ \"routes\": [ }");
        File.WriteAllText(_directory.File("unknown-field.json"), """{ "routez": [] }""");
        File.WriteAllText(_directory.File("fake.pfx"), "not a certificate");
        Directory.CreateDirectory(_directory.File("a-directory"));
    }

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, int, string> Cases => new()
    {
        // 2: the command line is wrong.
        { "bogus", ExitCodes.Invalid, "Unrecognized command or argument 'bogus'" },
        { "serve --bogus", ExitCodes.Invalid, "--bogus" },
        { "serve --config {ok} --urls localhost:abc", ExitCodes.Invalid, "'localhost:abc' is not an address" },
        { "serve --config {ok} --urls http://127.0.0.1:99999", ExitCodes.Invalid, "port outside 0 to 65535" },
        { "serve --config {ok} --urls ftp://127.0.0.1:0", ExitCodes.Invalid, "must start with http:// or https://" },
        { "serve --config {ok} --urls https://127.0.0.1:0", ExitCodes.Invalid, "pass the server certificate with --certificate" },
        { "serve --config {ok} --urls https://127.0.0.1:0 --certificate {dir}/fake.pfx", ExitCodes.Invalid, "cannot be loaded" },
        { "serve --urls http://127.0.0.1:0", ExitCodes.Invalid, "No registry configured" },
        { "serve --demo --config {ok}", ExitCodes.Invalid, "choose one of" },
        { "serve --storage AccountKey=sekrit;nonsense --urls http://127.0.0.1:0", ExitCodes.Invalid, "neither an https endpoint nor a valid connection string" },
        { "serve --config {ok} --client-certificates maybe", ExitCodes.Invalid, "maybe" },
        { "serve --config {ok} --urls http://127.0.0.1:0 --certificate-key {dir}/fake.pfx", ExitCodes.Invalid, "--certificate-key needs --certificate" },
        { "config validate", ExitCodes.Invalid, "Required argument missing" },
        { "config import {ok}", ExitCodes.Invalid, "--storage" },
        { "config export --storage UseDevelopmentStorage=true --table ab", ExitCodes.Invalid, "'ab' is not a table name" },
        { "config diff {ok} --storage nonsense", ExitCodes.Invalid, "neither an https endpoint nor a valid connection string" },
        { "keys list", ExitCodes.Invalid, "choose one of --config FILE or --storage" },
        { "keys list --storage nonsense", ExitCodes.Invalid, "neither an https endpoint nor a valid connection string" },
        { "keys create --consumer nobody --config {ok}", ExitCodes.Invalid, "unknown consumer 'nobody'" },
        { "keys revoke nokey --config {ok}", ExitCodes.Invalid, "no key 'nokey'" },
        { "keys create --consumer c --storage UseDevelopmentStorage=true --keys-table a_b", ExitCodes.Invalid, "'a_b' is not a table name" },

        // 2: the registry is invalid (every error printed with its line).
        { "config validate {dir}/syntax.json", ExitCodes.Invalid, "syntax.json:1:" },
        { "config validate {dir}/unknown-field.json", ExitCodes.Invalid, "routez" },
        { "config import {dir}/syntax.json --storage {closed}", ExitCodes.Invalid, "syntax.json:1:" },
        { "config diff {dir}/unknown-field.json --storage {closed}", ExitCodes.Invalid, "routez" },
        { "serve --config {dir}/syntax.json --urls http://127.0.0.1:0", ExitCodes.Invalid, "syntax.json:1:" },
        { "keys list --config {dir}/syntax.json", ExitCodes.Invalid, "syntax.json:1:" },
        { "keys list --config {dir}/unknown-field.json", ExitCodes.Invalid, "routez" },
        { "keys create --consumer c --config {dir}/syntax.json", ExitCodes.Invalid, "syntax.json:1:" },
        { "keys revoke k --config {dir}/unknown-field.json", ExitCodes.Invalid, "routez" },

        // 3: a file or storage cannot be read or written.
        { "config validate {dir}/missing.json", ExitCodes.Unavailable, "missing.json: no such file" },
        { "config validate {dir}/a-directory", ExitCodes.Unavailable, "is a directory, not a file" },
        { "config import {dir}/missing.json --storage {closed}", ExitCodes.Unavailable, "no such file" },
        { "config diff {dir}/a-directory --storage {closed}", ExitCodes.Unavailable, "is a directory" },
        { "config import {ok} --storage {closed}", ExitCodes.Unavailable, "storage or file unavailable" },
        { "config export --storage {closed}", ExitCodes.Unavailable, "storage or file unavailable" },
        { "config export --storage {closed} --output {dir}/a-directory", ExitCodes.Unavailable, "is a directory, not a file" },
        { "config diff {ok} --storage {closed}", ExitCodes.Unavailable, "storage or file unavailable" },
        { "serve --config {dir}/missing.json --urls http://127.0.0.1:0", ExitCodes.Unavailable, "no such file" },
        { "serve --config {dir}/a-directory --urls http://127.0.0.1:0", ExitCodes.Unavailable, "is a directory" },
        { "serve --config {ok} --urls http://127.0.0.1:0 --certificate {dir}/missing.pfx", ExitCodes.Unavailable, "missing.pfx: no such file" },
        { "serve --storage {closed} --urls http://127.0.0.1:0", ExitCodes.Unavailable, "could not be read" },
        { "keys list --config {dir}/missing.json", ExitCodes.Unavailable, "no such file" },
        { "keys create --consumer c --config {dir}/a-directory", ExitCodes.Unavailable, "is a directory" },
        { "keys revoke k --config {dir}/missing.json", ExitCodes.Unavailable, "no such file" },
        { "keys list --storage {closed}", ExitCodes.Unavailable, "storage or file unavailable" },
        { "keys revoke k --storage {closed}", ExitCodes.Unavailable, "storage or file unavailable" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Verb_OperatorMistake_OneClearMessageAndTheDocumentedExitCode(string commandLine, int expected, string message)
    {
        var closed = Azurite.ConnectionStringFor($"http://127.0.0.1:{Azurite.FreePort()}/{Azurite.AccountName}");
        var args = commandLine.Split(' ')
            .Select(a => a.Replace("{ok}", _directory.File("ok.json"), StringComparison.Ordinal)
                .Replace("{dir}", _directory.Path, StringComparison.Ordinal)
                .Replace("{closed}", closed, StringComparison.Ordinal))
            .ToArray();

        var (code, output, error) = await GatewayProcess.RunToExitAsync(args);

        Assert.True(expected == code, $"exit code {code}, expected {expected}\nstdout:\n{output}\nstderr:\n{error}");
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("sekrit", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("Retry settings can be adjusted", error, StringComparison.Ordinal); // the cause, not the retry policy
        Assert.DoesNotContain("(Parameter '", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Azurite.AccountKey, error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BadSettingInTheEnvironment_NamesItAndExitsTwo()
    {
        await using var process = GatewayProcess.Start(
            new Dictionary<string, string> { ["Portico__Registry__ReloadInterval"] = "soon" },
            "serve", "--config", _directory.File("ok.json"), "--urls", "http://127.0.0.1:0");
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == ExitCodes.Invalid, $"exit code {code}\n{process.Error}");
        Assert.Contains("Portico:Registry:ReloadInterval", process.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PortInUse_OneLineWithoutStackTraceAndExitsFour()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var (code, output, error) = await GatewayProcess.RunToExitAsync("serve", "--config", _directory.File("ok.json"), "--urls", url);

        Assert.True(code == ExitCodes.CannotListen, $"exit code {code}\nstdout:\n{output}\nstderr:\n{error}");
        Assert.Contains($"portico serve: cannot listen: Failed to bind to address {url}: address already in use.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", error + output, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_AnythingElse_IsAnInternalErrorOnOneLine()
    {
        var (code, message) = CliFailure.Classify(new NullReferenceException("Object reference not set to an instance of an object.\nsecond line"), CancellationToken.None);

        Assert.Equal(ExitCodes.InternalError, code);
        Assert.DoesNotContain('\n', message);
        Assert.Contains("internal error", message, StringComparison.Ordinal);
        Assert.Contains("PORTICO_DEBUG=1", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_CancelledByTheOperator_IsInterrupted()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Equal(ExitCodes.Interrupted, CliFailure.Classify(new OperationCanceledException(cancelled.Token), cancelled.Token).Code);
    }
}
