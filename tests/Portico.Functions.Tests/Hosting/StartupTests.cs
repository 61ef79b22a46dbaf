using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Functions.TestHost;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Hosting;

/// <summary>
/// The worker's start under the host: the host sends requests as soon as the worker reports its functions loaded, so the
/// gateway must be ready to serve them by then, as <c>portico serve</c> is when it starts listening.
/// </summary>
public sealed class StartupTests
{
    [Fact]
    public async Task FirstRequest_WhileTheRegistryIsStillLoading_WaitsAndIsServedByTheLoadedRegistry()
    {
        await using var backend = await TestBackend.StartAsync(context => context.Response.WriteAsync("hello from the backend"));
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        using var directory = new TempDirectory();
        var file = directory.File("portico.json");
        await File.WriteAllTextAsync(file, $$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "backend": "b" } ]
        }
        """);
        var (code, _, error) = await PorticoCli.RunAsync("config", "import", file, "--storage", connection, "--table", table);
        Assert.True(code == 0, error);

        // The registry's storage answers only when the gate opens: the first load is held for as long as the test wants.
        await using var storage = await GatedProxy.StartAsync(new Uri(TableEndpoint(connection)));
        var settings = new Dictionary<string, string?>
        {
            ["Portico__Storage__ConnectionString"] = Azurite.ConnectionStringFor(storage.Url + "/" + Azurite.AccountName),
            ["Portico__Registry__TableName"] = table,
        };
        await using var host = await FunctionsTestHost.CreateAsync(FunctionsGateway.Options(settings));
        var starting = host.StartWorkerAsync();
        await storage.FirstRequest.WaitAsync(TimeSpan.FromSeconds(60));

        using var client = FunctionsGateway.CreateClient(host.Url);
        var request = client.GetAsync("/hello");
        // Either the host holds the request until the worker is ready, or it went to a worker that said it was ready.
        Assert.True(await Eventually.TrueAsync(() => host.RequestsWaitingForWorker == 1 || request.IsCompleted, TimeSpan.FromSeconds(60)));
        storage.Open();

        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}{Environment.NewLine}{host.Log}");
        Assert.Equal("hello from the backend", body);
        Assert.True((await starting).Ready);
    }

    private static string TableEndpoint(string connectionString) =>
        connectionString.Split(';').Single(p => p.StartsWith("TableEndpoint=", StringComparison.Ordinal))["TableEndpoint=".Length..];
}
