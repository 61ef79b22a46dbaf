using System.Net;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Analytics.AnalyticsTestKit;

namespace Portico.Tests.Analytics;

/// <summary>The analytics admin API in file mode (rollups in memory): its answers, its refusals, and what it does not count.</summary>
public sealed class AnalyticsEndpointTests : IAsyncLifetime
{
    /// <summary>The gateway under test runs on the system clock; ranges in the past are written against the same one.</summary>
    private static readonly TimeProvider Clock = TimeProvider.System;

    private readonly AdminTestKit.AdminKey _admin = AdminTestKit.NewKey();
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(_admin, "solo"));

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Query_FileMode_CountsInMemoryLiveAndAfterFlushOnce()
    {
        Assert.All(await SendAsync(_gateway, "/orders", 4, Alice.Key), s => Assert.Equal(200, s));
        Assert.Equal([404], await SendAsync(_gateway, "/nowhere", 1));
        await WaitForRequestsAsync(_gateway, 5);

        var live = await QueryAsync(_gateway, _admin, "?last=15m");
        Assert.Equal("memory", live.GetProperty("storage").GetProperty("mode").GetString());
        Assert.Equal(5, live.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(4, Groups(live)["orders"].GetProperty("requests").GetInt64());
        Assert.Equal(1, Groups(live)[""].GetProperty("status").GetProperty("4xx").GetInt64()); // no route matched

        await FlushAsync(_gateway);
        var flushed = await QueryAsync(_gateway, _admin, "?last=15m&groupBy=status");
        Assert.Equal(5, flushed.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(4, Groups(flushed)["2xx"].GetProperty("requests").GetInt64());
        Assert.Equal(["solo"], flushed.GetProperty("instances").EnumerateArray().Select(i => i.GetString()));
        // The range widens to whole minutes: 15 or 16 of them, one point each.
        var minutes = (flushed.GetProperty("to").GetDateTimeOffset() - flushed.GetProperty("from").GetDateTimeOffset()).TotalMinutes;
        Assert.InRange(minutes, 15, 16);
        Assert.Equal(minutes, flushed.GetProperty("series").GetArrayLength());
        Assert.Equal(5, flushed.GetProperty("series").EnumerateArray().Sum(p => p.GetProperty("requests").GetInt64()));
    }

    [Fact]
    public async Task Query_AdminAndHealthCalls_AreNotTraffic()
    {
        using (await _gateway.Client.GetAsync("/_portico/health/live"))
        {
        }

        await QueryAsync(_gateway, _admin, "");
        var report = await QueryAsync(_gateway, _admin, "?last=5m");
        Assert.Equal(0, report.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Null(report.GetProperty("totals").GetProperty("latencyMs").GetProperty("p50").GetString());
    }

    [Fact]
    public async Task Query_TopAndRange_AreHonoured()
    {
        await SendAsync(_gateway, "/orders", 3, Alice.Key);
        await SendAsync(_gateway, "/fail", 2);
        await SendAsync(_gateway, "/limited", 1);
        await WaitForRequestsAsync(_gateway, 6);

        var top = await QueryAsync(_gateway, _admin, "?groupBy=route&top=2");
        Assert.Equal(["orders", "fail"], top.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("key").GetString()));
        Assert.Equal(3, top.GetProperty("groupCount").GetInt32());

        var now = Clock.GetUtcNow();
        var from = now.AddHours(-3).ToString("yyyy-MM-dd'T'HH:mm':00Z'");
        var to = now.AddHours(-2).ToString("yyyy-MM-dd'T'HH:mm':00Z'");
        var past = await QueryAsync(_gateway, _admin, $"?from={from}&to={to}");
        Assert.Equal(0, past.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(60, past.GetProperty("series").GetArrayLength());

        var week = await QueryAsync(_gateway, _admin, "?last=7d");
        Assert.Equal(6, week.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.True(week.GetProperty("series").GetArrayLength() <= 360, "the series is bounded");
        var weekMinutes = (week.GetProperty("to").GetDateTimeOffset() - week.GetProperty("from").GetDateTimeOffset()).TotalMinutes;
        Assert.Equal(Math.Ceiling(weekMinutes / 360) * 60, week.GetProperty("stepSeconds").GetInt32());
    }

    [Theory]
    [InlineData("?groupBy=backend", "'groupBy' must be route, consumer or status")]
    [InlineData("?last=30d", "at most 7 days")]
    [InlineData("?last=0m", "'last' is not a duration")]
    [InlineData("?last=soon", "'last' is not a duration")]
    [InlineData("?from=2026-12-05T10:00:00Z&to=2026-12-05T09:00:00Z", "must be before 'to'")]
    [InlineData("?from=2026-12-05T10:00:00Z&to=2026-12-05T10:00:00Z", "must be before 'to'")]
    [InlineData("?from=2026-12-05T10:00:00", "'from' is not an RFC 3339 date and time with an offset")]
    [InlineData("?from=yesterday", "'from' is not an RFC 3339")]
    [InlineData("?to=2026-12-05T10:00:00Z", "'to' needs 'from'")]
    [InlineData("?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "at most 7 days")]
    [InlineData("?last=1h&from=2026-12-05T10:00:00Z", "either 'last' or 'from'")]
    [InlineData("?top=0", "'top' must be a whole number from 1 to 100")]
    [InlineData("?top=1000", "'top' must be a whole number from 1 to 100")]
    [InlineData("?top=-1", "'top' must be a whole number")]
    [InlineData("?top=1&top=2", "'top' is given 2 times")]
    [InlineData("?window=1h", "unknown parameter 'window'")]
    public async Task Query_InvalidParameters_AnswersProblem400(string query, string detail)
    {
        using var response = await AdminTestKit.SendAsync(_gateway, AnalyticsPath + query, _admin.Key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "invalid-analytics-query");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WithoutOrWithWrongCredential_IsRefusedAndAudited()
    {
        using var missing = await AdminTestKit.SendAsync(_gateway, AnalyticsPath);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        await ProblemAssert.ReadAsync(missing, "authentication-required");

        // A consumer's API key is not an admin credential.
        using var consumer = await AdminTestKit.SendAsync(_gateway, AnalyticsPath, Alice.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, consumer.StatusCode);
        await ProblemAssert.ReadAsync(consumer, "invalid-api-key");

        using var allowed = await AdminTestKit.SendAsync(_gateway, AnalyticsPath, _admin.Key);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("no-store", allowed.Headers.CacheControl?.ToString());

        var audit = await AdminTestKit.AuditAsync(_gateway, 3);
        Assert.Equal([200, 401, 401], audit.Select(e => Convert.ToInt32(e["StatusCode"])).Order());
    }

    [Fact]
    public async Task State_ListsBreakersAndCounterStorage()
    {
        using var response = await AdminTestKit.SendAsync(_gateway, "/_portico/admin/state", _admin.Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = await AdminTestKit.ReadJsonAsync(response);
        Assert.Equal("unused", state.GetProperty("rateLimiting").GetProperty("counterStorage").GetString());
        Assert.Equal(0, state.GetProperty("circuitBreakers").GetArrayLength()); // static routes only: no backends
    }
}
