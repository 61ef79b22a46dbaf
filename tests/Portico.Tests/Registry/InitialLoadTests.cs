using System.Net;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Registry;

/// <summary>
/// The first load of the registry is one load, whoever asks for it: the standalone host begins it on another thread
/// while it builds the engine, the host awaits it before it listens, the registry monitor and any later caller join it.
/// A second first load would read storage twice and log every error twice.
/// </summary>
public sealed class InitialLoadTests
{
    [Fact]
    public async Task Start_EveryCallerJoinsOneFirstLoad()
    {
        await using var backend = await TestBackend.StartAsync();
        CountingStore? store = null;
        await using var gateway = await GatewayHost.StartWithFileAsync(
            Registry(backend.Url),
            // No periodic check or full re-read during the test: every load counted is a first load.
            new Dictionary<string, string?> { ["Portico:Registry:ReloadInterval"] = "00:10:00", ["Portico:Registry:FullRefreshInterval"] = "01:00:00" },
            services => ForwardingRegistryStore.Replace(services, inner => store = new CountingStore(inner)));

        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/one")).StatusCode);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => gateway.Services.InitializePorticoAsync())));

        Assert.Equal(1, store!.Loads);
    }

    [Fact]
    public async Task Start_InvalidRegistry_FailsWithItsErrorsOnceForEveryCaller()
    {
        CountingStore? store = null;
        var failure = await Assert.ThrowsAsync<RegistryLoadException>(() => GatewayHost.StartWithFileAsync(
            """{ "routes": [ { "id": "users\n", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }""",
            services: services => ForwardingRegistryStore.Replace(services, inner => store = new CountingStore(inner))));

        Assert.Contains(failure.Errors, e => e.Message.Contains("ids are 1 to 128", StringComparison.Ordinal));
        Assert.Equal(1, store!.Loads);
    }

    private static string Registry(string backendUrl) => $$"""
    {
      "backends": [ { "id": "b", "url": "{{backendUrl}}" } ],
      "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/one" }, "backend": "b" } ]
    }
    """;

    /// <summary>A real file store that counts full loads.</summary>
    private sealed class CountingStore(FileRegistryStore inner) : ForwardingRegistryStore(inner)
    {
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public override Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            return base.LoadAsync(cancellationToken);
        }
    }
}
