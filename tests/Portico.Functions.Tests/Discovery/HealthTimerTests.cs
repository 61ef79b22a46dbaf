using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Portico.Auth;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Discovery;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Discovery;

/// <summary>
/// Active health checks in the Functions app: the timer function, invoked through the test host as the Functions host
/// invokes it, probes the destinations once for the app and writes the health table (Azurite); a second instance that
/// never ran the timer reads the table and stops sending to the failing destination.
/// </summary>
public sealed class HealthTimerTests
{
    [Fact]
    public async Task HealthProbe_TimerFiresOnOneInstance_EveryInstanceAvoidsTheFailingDestination()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName("health");
        var admin = ApiKeyFormat.Generate();
        await using var a = await ProbedBackend.StartAsync();
        await using var b = await ProbedBackend.StartAsync();
        b.HealthStatus = 503;
        var registry = $$"""
        {
          "backends": [ { "id": "b", "destinations": [ { "url": "{{a.Url}}" }, { "url": "{{b.Url}}" } ],
                          "loadBalancing": { "policy": "roundRobin" },
                          "health": { "active": { "path": "/healthz", "interval": "10s", "unhealthyThreshold": 1 } } } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b" } ]
        }
        """;
        var settings = new Dictionary<string, string?>
        {
            ["Portico__Storage__ConnectionString"] = connection,
            ["Portico__ActiveHealth__TableName"] = table,
            ["Portico__ActiveHealth__RefreshInterval"] = "00:00:01",
            [$"Portico__Admin__Keys__{admin.Id}__Hash"] = ApiKeyFormat.Hash(admin.Key),
        };
        await using var first = await FunctionsGateway.StartWithFileAsync(registry, settings);
        await using var second = await FunctionsGateway.StartWithFileAsync(registry, settings);

        var run = await first.Host.InvokeTimerAsync("HealthProbe");

        Assert.True(run.Succeeded, $"{run.Failure}{Environment.NewLine}{first.Log}");
        var rows = (await Azurite.ServiceClientAsync()).GetTableClient(table).Query<TableEntity>().ToDictionary(e => e.GetString("Url"));
        Assert.Equal("unhealthy", rows[b.Url].GetString("Status"));
        Assert.Equal("healthy", rows[a.Url].GetString("Status"));

        // The second instance reads the table within its refresh interval (a second): its admin view says so.
        Assert.True(
            await Eventually.TrueAsync(async () => await ActiveStatusAsync(second, admin.Key, 1) == "unhealthy", TimeSpan.FromSeconds(30)),
            second.Log);
        for (var i = 0; i < 10; i++)
        {
            using var response = await second.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal((10, 0), (a.Traffic, b.Traffic));
        Assert.Equal((1, 1), (a.Probes, b.Probes)); // the timer's run only: no instance probes on its own in the shared mode
    }

    private static async Task<string?> ActiveStatusAsync(FunctionsGateway gateway, string key, int destination)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_portico/admin/backends/b");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await gateway.Client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("destinations")[destination].TryGetProperty("active", out var active) ? active.GetProperty("status").GetString() : null;
    }
}
