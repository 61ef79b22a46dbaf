using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portico.Analytics;
using Portico.Observability;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Analytics;

/// <summary>A registry with consumers, a keyed route, a failing route and a limited route, and helpers to drive and read analytics.</summary>
internal static class AnalyticsTestKit
{
    public const string AnalyticsPath = "/_portico/admin/analytics";

    public static readonly (string Key, string Id) Alice = Portico.Auth.ApiKeyFormat.Generate();

    public static readonly (string Key, string Id) Bob = Portico.Auth.ApiKeyFormat.Generate();

    public static readonly string TrafficRegistry = $$"""
    {
      "consumers": [ { "id": "alice" }, { "id": "bob" } ],
      "apiKeys": [ {{ApiKey(Alice.Id, "alice", Alice.Key)}}, {{ApiKey(Bob.Id, "bob", Bob.Key)}} ],
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "rateLimitPolicies": [ { "id": "one", "rate": { "requests": 1, "per": "1h" } } ],
      "routes": [
        { "id": "orders", "auth": "keys", "match": { "path": "/orders" }, "static": { "body": "order list" } },
        { "id": "fail", "auth": "anonymous", "match": { "path": "/fail" }, "static": { "status": 503, "body": "down" } },
        { "id": "limited", "auth": "anonymous", "match": { "path": "/limited" }, "static": { "body": "x" },
          "rateLimit": { "policies": ["one"] } }
      ]
    }
    """;

    /// <summary>Settings of a gateway with an admin key, analytics under <paramref name="instance"/>, and Table storage when given.</summary>
    public static Dictionary<string, string?> Settings(AdminTestKit.AdminKey admin, string instance, string? connectionString = null, string? table = null)
    {
        var settings = AdminTestKit.KeySettings(admin);
        settings["Portico:Analytics:InstanceId"] = instance;
        if (connectionString is not null)
        {
            settings["Portico:Storage:ConnectionString"] = connectionString;
            settings["Portico:Analytics:TableName"] = table;
        }

        return settings;
    }

    /// <summary>Sends <paramref name="count"/> GETs of <paramref name="path"/>, with <paramref name="apiKey"/> when given; returns the statuses.</summary>
    public static async Task<List<int>> SendAsync(GatewayHost gateway, string path, int count, string? apiKey = null)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (apiKey is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Api-Key", apiKey);
            }

            using var response = await gateway.Client.SendAsync(request);
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }

    /// <summary>The access-log events of routed requests (the exact per-request figures analytics must agree with).</summary>
    public static IReadOnlyList<TestLogSink.LogEntry> AccessLog(GatewayHost gateway) =>
        [.. gateway.Logs.Entries.Where(e => e.Category == ObservabilityStage.AccessLogCategory && e.EventId.Id == 1 && !Value(e, "Path").StartsWith("/_portico", StringComparison.Ordinal))];

    /// <summary>Waits until <paramref name="count"/> routed requests have ended (each is counted after its answer is sent).</summary>
    public static async Task WaitForRequestsAsync(GatewayHost gateway, int count)
    {
        await Eventually.TrueAsync(() => AccessLog(gateway).Count >= count, TimeSpan.FromSeconds(10));
        Assert.Equal(count, AccessLog(gateway).Count);
    }

    public static double DurationMs(TestLogSink.LogEntry entry) => Convert.ToDouble(entry.State.Single(s => s.Key == "DurationMs").Value, CultureInfo.InvariantCulture);

    public static long Number(TestLogSink.LogEntry entry, string name) => Convert.ToInt64(entry.State.Single(s => s.Key == name).Value, CultureInfo.InvariantCulture);

    public static string Value(TestLogSink.LogEntry entry, string name) => entry.State.Single(s => s.Key == name).Value?.ToString() ?? "";

    /// <summary>Writes every minute this gateway holds, the current one included.</summary>
    public static Task FlushAsync(GatewayHost gateway) =>
        gateway.Services.GetRequiredService<AnalyticsFlusher>().FlushAsync(closeCurrent: true, CancellationToken.None);

    /// <summary>Queries the admin API and returns the parsed answer, asserting 200.</summary>
    public static async Task<JsonElement> QueryAsync(GatewayHost gateway, AdminTestKit.AdminKey admin, string query)
    {
        using var response = await AdminTestKit.SendAsync(gateway, AnalyticsPath + query, admin.Key);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>The groups of a report, by key.</summary>
    public static Dictionary<string, JsonElement> Groups(JsonElement report) =>
        report.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);

    /// <summary>The exact nearest-rank percentile of <paramref name="values"/>.</summary>
    public static double ExactPercentile(IReadOnlyList<double> values, double quantile)
    {
        var sorted = values.Order().ToArray();
        var rank = Math.Max(1, (int)Math.Ceiling(quantile * sorted.Length));
        return sorted[rank - 1];
    }

    /// <summary>Asserts <paramref name="estimate"/> is within the histogram's stated error of <paramref name="exact"/>.</summary>
    public static void WithinStatedError(double exact, double estimate)
    {
        // Below 0.1 ms the first bucket answers 0.05 ms: an absolute error of at most 0.05 ms.
        var allowed = Math.Max(exact * LatencyHistogram.RelativeError, 0.05) + 1e-9;
        Assert.True(Math.Abs(estimate - exact) <= allowed, $"estimate {estimate} ms is not within {allowed} ms of the exact {exact} ms");
    }
}
