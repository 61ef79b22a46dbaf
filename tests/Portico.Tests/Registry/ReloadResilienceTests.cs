using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Registry;

/// <summary>
/// A bug while reloading one revision (here: the store throwing an exception that is not a storage failure) must not
/// end reloading for the life of the process: it is logged as an error, the live snapshot keeps serving, and the
/// next change still arrives.
/// </summary>
public sealed class ReloadResilienceTests
{
    [Fact]
    public async Task Reload_UnexpectedExceptionOnce_LoggedAndLaterChangesStillApply()
    {
        await using var backend = await TestBackend.StartAsync();
        var store = (BuggyOnceStore?)null;
        await using var gateway = await GatewayHost.StartWithFileAsync(
            Registry(backend.Url, "/one"),
            new Dictionary<string, string?> { ["Portico:Registry:ReloadInterval"] = "00:00:01" },
            services => services.Replace(ServiceDescriptor.Singleton<IRegistryStore>(sp =>
                store = new BuggyOnceStore(new FileRegistryStore(sp.GetRequiredService<IOptions<PorticoOptions>>().Value.Registry.File!)))));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/one")).StatusCode);

        store!.FailNextCheck();
        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id == 111), TimeSpan.FromSeconds(10)), "the failed reload was not logged");
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/one")).StatusCode);

        await gateway.WriteConfigAsync(Registry(backend.Url, "/two"));
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/two")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10)));
    }

    private static string Registry(string backendUrl, string path) => $$"""
    {
      "backends": [ { "id": "b", "url": "{{backendUrl}}" } ],
      "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "{{path}}" }, "backend": "b" } ]
    }
    """;

    /// <summary>A real file store whose next revision check throws as a bug would.</summary>
    private sealed class BuggyOnceStore(FileRegistryStore inner) : IRegistryStore
    {
        private int _fail;

        public string Description => inner.Description;

        public IChangeSignal? ChangeSignal => inner.ChangeSignal;

        public void FailNextCheck() => Volatile.Write(ref _fail, 1);

        public Task<string> GetRevisionAsync(CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref _fail, 0) == 1
                ? throw new InvalidOperationException("simulated bug in a revision check")
                : inner.GetRevisionAsync(cancellationToken);

        public Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken) => inner.LoadAsync(cancellationToken);

        public Task<Portico.Configuration.RegistryDiff> ImportAsync(Portico.Configuration.RegistryDocument document, bool prune, CancellationToken cancellationToken) =>
            inner.ImportAsync(document, prune, cancellationToken);
    }
}
