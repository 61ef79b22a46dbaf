using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Registry;

/// <summary>DB-less mode: editing the file changes the live routes without a restart, and never breaks a request.</summary>
public sealed class FileReloadTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastReload = new() { ["Portico:Registry:ReloadInterval"] = "00:00:01" };

    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync(context => context.Response.WriteAsync("v" + context.Request.Path.Value));

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private string Registry(params string[] extraRoutes) => $$"""
    {
      "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
      "routes": [
        { "id": "stable", "auth": "anonymous", "match": { "path": "/stable" }, "backend": "b" }
        {{string.Concat(extraRoutes.Select(r => "," + r))}}
      ]
    }
    """;

    [Fact]
    public async Task Reload_FileChangesUnderLoad_NewRoutesServedAndNoRequestFails()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(), FastReload);
        await using var load = new LoadLoop(gateway.Client, "/stable", concurrency: 4);
        Assert.True(await load.WaitForMoreAsync(50));

        for (int version = 1; version <= 5; version++)
        {
            var route = $$"""{ "id": "added", "auth": "anonymous", "match": { "path": "/added" }, "static": { "body": "version {{version}}" } }""";
            await gateway.WriteConfigAsync(Registry(route));
            var expected = $"version {version}";
            Assert.True(
                await Eventually.TrueAsync(async () => await gateway.Client.GetStringAsync("/added").ContinueWith(t => t.IsCompletedSuccessfully && t.Result == expected), TimeSpan.FromSeconds(5)),
                $"route 'added' did not serve {expected}");
            Assert.True(await load.WaitForMoreAsync(20));
        }

        await load.DisposeAsync();
        Assert.Empty(load.Failures);
        Assert.True(load.Succeeded > 100);
    }

    [Fact]
    public async Task Reload_InvalidFile_LastGoodStaysLiveAndErrorIsLogged()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(), FastReload);
        await using var load = new LoadLoop(gateway.Client, "/stable", concurrency: 2);
        Assert.True(await load.WaitForMoreAsync(20));

        await gateway.WriteConfigAsync(Registry("""{ "id": "broken", "auth": "anonymous", "match": { "path": "/broken/{x" }, "backend": "nope" }"""));

        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id == 101), TimeSpan.FromSeconds(5)), "no rejection was logged");
        var rejection = gateway.Logs.Entries.First(e => e.EventId.Id == 101);
        Assert.Contains("route 'broken': match.path", rejection.Message);
        Assert.Contains("route 'broken': backend: unknown backend 'nope'", rejection.Message);
        Assert.Contains("portico.json:5:", rejection.Message);
        Assert.True(await load.WaitForMoreAsync(20));
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/broken/1")).StatusCode);

        // Fixing the file brings the change in.
        await gateway.WriteConfigAsync(Registry("""{ "id": "fixed", "auth": "anonymous", "match": { "path": "/fixed" }, "static": { "body": "fixed" } }"""));
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/fixed")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(5)));

        await load.DisposeAsync();
        Assert.Empty(load.Failures);
    }

    [Fact]
    public async Task Reload_SlowRequestInFlight_FinishesOnTheSnapshotItStartedWith()
    {
        var release = new TaskCompletionSource();
        await using var slow = await TestBackend.StartAsync(async context =>
        {
            await release.Task;
            await context.Response.WriteAsync("slow done");
        });
        var registry = $$"""
        {
          "backends": [ { "id": "slow", "url": "{{slow.Url}}" } ],
          "routes": [ { "id": "slow", "auth": "anonymous", "match": { "path": "/slow" }, "backend": "slow" } ]
        }
        """;
        await using var gateway = await GatewayHost.StartWithFileAsync(registry, FastReload);
        var inFlight = gateway.Client.GetAsync("/slow");
        Assert.True(await Eventually.TrueAsync(() => slow.Count == 1, TimeSpan.FromSeconds(5)));

        // Remove the route while the request is inside it.
        await gateway.WriteConfigAsync("""{ "routes": [ { "id": "other", "auth": "anonymous", "match": { "path": "/other" }, "static": { "body": "x" } } ] }""");
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/other")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(5)));
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/slow")).StatusCode);
        release.SetResult();

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow done", await response.Content.ReadAsStringAsync());
    }
}
