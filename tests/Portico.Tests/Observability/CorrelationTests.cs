using System.Text.Json;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary>
/// Without OpenTelemetry, the <c>traceId</c> of a problem answer is a W3C trace id that the access log carries too,
/// so an operator can find the request a client reports; with <c>Logging:Console:FormatterName=json</c>, everything
/// <c>portico serve</c> writes on standard output is JSON lines (issue 22).
/// </summary>
public sealed class CorrelationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public CorrelationTests() => File.WriteAllText(_directory.File("portico.json"), """
        { "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }
        """);

    public void Dispose() => _directory.Dispose();

    private GatewayProcess StartServe(Dictionary<string, string>? environment = null)
    {
        var settings = new Dictionary<string, string>(environment ?? []) { ["Portico__AccessLog__Output"] = "Stdout" };
        return GatewayProcess.Start(settings, "serve", "--config", _directory.File("portico.json"), "--urls", "http://127.0.0.1:0");
    }

    [Fact]
    public async Task Problem_NoTracing_TraceIdIsAW3CIdTheAccessLogCarries()
    {
        await using var gateway = StartServe();
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        var traceIds = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/nothing-here");
            traceIds.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString()!);
        }

        Assert.All(traceIds, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.All(traceIds, id => Assert.NotEqual(new string('0', 32), id));
        Assert.NotEqual(traceIds[0], traceIds[1]);
        foreach (var id in traceIds)
        {
            Assert.True(await Eventually.TrueAsync(() => AccessLines(gateway).Any(l => l.GetProperty("traceId").GetString() == id), TimeSpan.FromSeconds(10)),
                $"no access-log line carries {id}:\n{gateway.Output}");
        }
    }

    [Fact]
    public async Task Problem_CallerSentTraceparent_AnswersAndLogsTheCallersTraceId()
    {
        await using var gateway = StartServe();
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        using var request = new HttpRequestMessage(HttpMethod.Get, "/nothing-here");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await client.SendAsync(request);

        Assert.Equal(traceId, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString());
        Assert.True(await Eventually.TrueAsync(() => AccessLines(gateway).Any(l => l.GetProperty("traceId").GetString() == traceId), TimeSpan.FromSeconds(10)), gateway.Output);
    }

    [Fact]
    public async Task Serve_JsonConsoleFormatter_StandardOutputIsOnlyJsonLines()
    {
        await using var gateway = StartServe(new() { ["Logging__Console__FormatterName"] = "json" });
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());
        Assert.Equal("x", await client.GetStringAsync("/x"));

        // The registry's start-up log line (a console log event) and the request's access-log line, both JSON.
        Assert.True(await Eventually.TrueAsync(
            () => Lines(gateway).Any(l => l.TryGetProperty("Category", out var c) && c.GetString() == "Portico.Registry.RegistryRuntime")
                && AccessLines(gateway).Any(l => l.GetProperty("path").GetString() == "/x"),
            TimeSpan.FromSeconds(10)), gateway.Output);
        var lines = gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => JsonDocument.Parse(line));
        Assert.Contains("Portico listening on", gateway.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", true)]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false)]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false)]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false)]
    [InlineData("", false)]
    public void TryParseTraceParent_W3CRules(string header, bool valid)
    {
        Assert.Equal(valid, RequestTraceId.TryParseTraceParent(header, out var id));
        if (valid)
        {
            Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", id.ToString());
        }
    }

    [Theory]
    [InlineData(0x0123456789abcdefUL, 0xfedcba9876543210UL, "0123456789abcdeffedcba9876543210")]
    [InlineData(0UL, 1UL, "00000000000000000000000000000001")]
    [InlineData(ulong.MaxValue, 0xffUL, "ffffffffffffffff00000000000000ff")]
    public void TraceId_TextAndUtf8Forms_LowercaseHexHighFirstWithLeadingZeros(ulong high, ulong low, string hex)
    {
        var id = new RequestTraceId(high, low);
        var utf8 = new byte[RequestTraceId.Length];
        id.FormatUtf8(utf8);

        Assert.Equal(hex, id.ToString());
        Assert.Equal(hex, System.Text.Encoding.ASCII.GetString(utf8));
    }

    private static IEnumerable<JsonElement> Lines(GatewayProcess gateway) =>
        gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement);

    private static IEnumerable<JsonElement> AccessLines(GatewayProcess gateway) =>
        Lines(gateway).Where(l => l.TryGetProperty("traceId", out _) && l.TryGetProperty("status", out _));
}
