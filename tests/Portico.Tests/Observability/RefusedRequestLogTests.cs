using System.Text;
using System.Text.Json;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary>
/// Requests the server refuses while parsing them (before the gateway sees them) still leave a trace: one access-log
/// record and one count each, with the status the client got, the server's reason and the client's address.
/// </summary>
public sealed class RefusedRequestLogTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private MetricRecorder _metrics = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "anon", "auth": "anonymous", "match": { "path": "/anon/{**rest}" }, "backend": "b" } ]
        }
        """);
        _metrics = new MetricRecorder(_gateway.Services);
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    public static TheoryData<string, int, string> Refused => new()
    {
        { "garbage", 400, "Invalid request line" },
        { "long-target", 414, "Request line too long" },
        { "large-headers", 431, "Request headers too long" },
        { "two-lengths", 400, "Multiple Content-Length headers" },
        { "no-host", 400, "missing Host header" },
        { "latin1-value", 400, "invalid headers" },
        { "nul-in-name", 400, "" },
        { "two-hosts", 400, "Multiple Host" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Refused_ByTheServer_LoggedAndCountedWithStatusReasonAndClient(string probe, int status, string reason)
    {
        var response = await RawHttp.SendBytesAsync(_gateway.Url, Probe(probe));
        Assert.Equal(status, response.Status);

        Assert.True(await Eventually.TrueAsync(() => Refusals().Count > 0, TimeSpan.FromSeconds(5)), "no access-log record for a refused request");
        var entry = Assert.Single(Refusals());
        var state = entry.State.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(status, state["StatusCode"]);
        Assert.Equal("127.0.0.1", state["Client"]?.ToString());
        Assert.Contains(reason, (string)state["Reason"]!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _backend.Count);

        var count = Assert.Single(_metrics.Of("portico.requests.refused"));
        Assert.Equal(1, count.Value);
        Assert.Equal(status, count.Tags["http.response.status_code"]);
    }

    [Fact]
    public async Task Refused_ClientBytesInTheReason_LoggedEscapedAndBounded()
    {
        var line = "GET\x01 /" + new string('x', 2000) + "\x1b[31m HTTP/1.1\r\nHost: x\r\n\r\n";
        var response = await RawHttp.SendBytesAsync(_gateway.Url, Encoding.Latin1.GetBytes(line));
        Assert.Equal(400, response.Status);

        Assert.True(await Eventually.TrueAsync(() => Refusals().Count > 0, TimeSpan.FromSeconds(5)));
        var reason = (string)Assert.Single(Refusals()).State.Single(kv => kv.Key == "Reason").Value!;
        Assert.True(reason.Length <= 300, reason);
        Assert.DoesNotContain('\x1b', reason);
        Assert.DoesNotContain('\x01', reason);
    }

    [Fact]
    public async Task Refused_OnAKeptAliveConnectionAfterAGoodRequest_BothLogged()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = await RawHttp.ConnectAsync(_gateway.Url, cancel.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /anon/ok HTTP/1.1\r\nHost: x\r\n\r\n"), cancel.Token);
        Assert.Equal(200, (await RawHttp.ReadResponseAsync(stream, cancel.Token)).Status);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /anon/ok HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"), cancel.Token);
        Assert.Equal(400, (await RawHttp.ReadResponseAsync(stream, cancel.Token)).Status);

        Assert.True(await Eventually.TrueAsync(() => Refusals().Count > 0, TimeSpan.FromSeconds(5)));
        var access = _gateway.Logs.Entries.Where(e => e.Category == AccessLog.Category).ToList();
        Assert.Equal(2, access.Count);
        Assert.Equal(200, access[0].State.Single(kv => kv.Key == "StatusCode").Value);
        Assert.Equal(400, access[1].State.Single(kv => kv.Key == "StatusCode").Value);
    }

    [Fact]
    public async Task Refused_BodyBrokenAfterTheGatewayTookTheRequest_LoggedOnceAsTheGatewaysAnswer()
    {
        // The server finds this framing error only while the gateway reads the body: the gateway answers and logs it.
        var response = await RawHttp.SendBytesAsync(
            _gateway.Url, B("POST /anon/h HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n"));
        Assert.Equal(400, response.Status);

        Assert.True(await Eventually.TrueAsync(() => _gateway.Logs.Entries.Any(e => e.Category == AccessLog.Category), TimeSpan.FromSeconds(5)));
        var entry = Assert.Single(_gateway.Logs.Entries, e => e.Category == AccessLog.Category);
        Assert.Equal(1, entry.EventId.Id);
        Assert.Equal("anon", entry.State.Single(kv => kv.Key == "RouteId").Value);
        Assert.Empty(_metrics.Of("portico.requests.refused"));
    }

    [Fact]
    public async Task Refused_UnderServeWithStdoutLog_WritesAJsonLine()
    {
        using var directory = new TempDirectory();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, """{ "backends": [], "routes": [] }""");
        var environment = new Dictionary<string, string> { ["Portico__AccessLog__Output"] = "Stdout" };
        await using var gateway = GatewayProcess.Start(environment, "serve", "--config", config, "--urls", "http://127.0.0.1:0");
        var url = await gateway.WaitUntilListeningAsync();

        var response = await RawHttp.SendBytesAsync(url, Probe("large-headers"));
        Assert.Equal(431, response.Status);

        List<JsonElement> Lines() => [.. gateway.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.True(await Eventually.TrueAsync(() => Lines().Count > 0, TimeSpan.FromSeconds(10)), gateway.Output);
        var line = Assert.Single(Lines());
        Assert.Equal(431, line.GetProperty("status").GetInt32());
        Assert.Equal("127.0.0.1", line.GetProperty("client").GetString());
        Assert.Contains("too long", line.GetProperty("refused").GetString());
        Assert.False(line.TryGetProperty("route", out _));
    }

    private List<TestLogSink.LogEntry> Refusals() =>
        [.. _gateway.Logs.Entries.Where(e => e.Category == AccessLog.Category && e.EventId.Id == AccessLog.RefusedEventId)];

    private static byte[] Probe(string name) => name switch
    {
        "garbage" => B("HELLO\r\n\r\n"),
        "long-target" => B("GET /anon/" + new string('a', 10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        "large-headers" => B("GET /anon/h HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n"),
        "two-lengths" => B("POST /anon/h HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        "no-host" => B("GET /anon/h HTTP/1.1\r\n\r\n"),
        "latin1-value" => [.. B("GET /anon/h HTTP/1.1\r\nHost: x\r\nX-Bad: caf"), 0xE9, .. B("\r\n\r\n")],
        "nul-in-name" => B("GET /anon/h HTTP/1.1\r\nHost: x\r\nX-B\0ad: 1\r\n\r\n"),
        "two-hosts" => B("GET /anon/h HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);
}
