using System.Text.Json;
using Portico.Cli;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Analytics.AnalyticsTestKit;

namespace Portico.Tests.Cli;

/// <summary><c>portico analytics</c> against a running gateway: the API's figures as a table or JSON, and mistakes named before sending.</summary>
public sealed class AnalyticsCommandTests : IAsyncLifetime
{
    private readonly AdminTestKit.AdminKey _admin = AdminTestKit.NewKey();
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(_admin, "gw-cli"));
        await SendAsync(_gateway, "/orders", 3, Alice.Key);
        await SendAsync(_gateway, "/fail", 1);
        await WaitForRequestsAsync(_gateway, 4);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Analytics_Table_ListsGroupsAndTotalsAsTheApiCounts()
    {
        var (code, output, error) = await PorticoCli.RunAsync("analytics", "--url", _gateway.Url, "--key", _admin.Key, "--last", "30m", "--group-by", "route");

        Assert.True(code == ExitCodes.Ok, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("memory storage, instances: gw-cli", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("4 requests", lines[1], StringComparison.Ordinal);
        var header = lines.Single(l => l.StartsWith("route ", StringComparison.Ordinal));
        Assert.Contains("p99 ms", header, StringComparison.Ordinal);
        Assert.Equal(["orders", "3", "3", "0", "0", "0", "0", "0", "0"], lines.Single(l => l.StartsWith("orders", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[..9]);
        Assert.Equal(["fail", "1", "0", "0", "0", "1"], lines.Single(l => l.StartsWith("fail", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[..6]);
        Assert.Equal("4", lines.Single(l => l.StartsWith("total", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }

    [Fact]
    public async Task Analytics_Json_IsTheApiAnswer()
    {
        var (code, output, error) = await PorticoCli.RunAsync("analytics", "--url", _gateway.Url, "--key", _admin.Key, "--group-by", "consumer", "--top", "1", "--json");

        Assert.True(code == ExitCodes.Ok, error);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal("consumer", report.GetProperty("groupBy").GetString());
        Assert.Equal("alice", Assert.Single(report.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
        Assert.Equal(4, report.GetProperty("totals").GetProperty("requests").GetInt64());
    }

    [Theory]
    [InlineData("--group-by", "backend", "'groupBy' must be route, consumer or status")]
    [InlineData("--last", "forever", "'last' is not a duration")]
    [InlineData("--to", "2026-12-05T10:00:00Z", "'to' needs 'from'")]
    public async Task Analytics_InvalidOption_IsNamedWithoutCallingTheGateway(string option, string value, string message)
    {
        var (code, _, error) = await PorticoCli.RunAsync("analytics", "--url", "http://127.0.0.1:9", "--key", _admin.Key, option, value);

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analytics_RangeBeyondTheGatewaysLimit_ReportsItsProblem()
    {
        var (code, _, error) = await PorticoCli.RunAsync("analytics", "--url", _gateway.Url, "--key", _admin.Key, "--last", "30d");

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("400 invalid-analytics-query", error, StringComparison.Ordinal);
        Assert.Contains("at most 7 days", error, StringComparison.Ordinal);
    }
}
