using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Portico.Auth;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Analytics;

/// <summary>
/// Traffic analytics in the Functions host (file mode, rollups in memory on the worker): requests that pass through
/// the host are counted, the admin API answers through the host behind the admin policy, and the dashboard page loads.
/// </summary>
public sealed class AnalyticsTests : IAsyncLifetime
{
    private readonly (string Key, string Id) _admin = ApiKeyFormat.Generate();
    private FunctionsGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await FunctionsGateway.StartWithFileAsync(
        """
        {
          "routes": [
            { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "static": { "body": "hi" } },
            { "id": "down", "auth": "anonymous", "match": { "path": "/down" }, "static": { "status": 503, "body": "down" } }
          ]
        }
        """,
        new Dictionary<string, string?>
        {
            [$"Portico__Admin__Keys__{_admin.Id}__Hash"] = ApiKeyFormat.Hash(_admin.Key),
            ["Portico__Analytics__InstanceId"] = "worker-1",
        });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Query_TrafficThroughTheHost_IsCountedPerRouteAndStatus()
    {
        for (var i = 0; i < 3; i++)
        {
            using var hello = await _gateway.Client.GetAsync("/hello");
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        }

        using (var down = await _gateway.Client.GetAsync("/down"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }

        // A request is recorded when the gateway's pipeline ends, which may be just after the client has its answer.
        JsonElement report = default;
        Assert.True(await Eventually.TrueAsync(
            async () =>
            {
                report = await QueryAsync("?last=15m&groupBy=route");
                return report.GetProperty("totals").GetProperty("requests").GetInt64() == 4;
            },
            TimeSpan.FromSeconds(10)));

        var groups = report.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);
        Assert.Equal(3, groups["hello"].GetProperty("requests").GetInt64());
        Assert.Equal(1, groups["down"].GetProperty("requests").GetInt64());
        Assert.Equal(1, groups["down"].GetProperty("status").GetProperty("5xx").GetInt64());
        Assert.Equal("memory", report.GetProperty("storage").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Query_WithoutAdminCredential_Answers401Problem()
    {
        using var response = await _gateway.Client.GetAsync("/_portico/admin/analytics?last=15m");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Dashboard_ThroughTheHost_ServesItsPage()
    {
        using var response = await _gateway.Client.GetAsync("/_portico/admin/dashboard");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<JsonElement> QueryAsync(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_portico/admin/analytics" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _admin.Key);
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
