using System.Net;
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
    public static TheoryData<string> Bugs => ["invalid-operation", "aggregate"];

    /// <summary>
    /// A bug is an error with its stack whatever it is wrapped in: an AggregateException around it must not pass for
    /// a storage outage (a warning without a stack).
    /// </summary>
    [Theory]
    [MemberData(nameof(Bugs))]
    public async Task Reload_UnexpectedExceptionOnce_LoggedAsBugAndLaterChangesStillApply(string bug)
    {
        await using var backend = await TestBackend.StartAsync();
        var store = (BuggyOnceStore?)null;
        await using var gateway = await GatewayHost.StartWithFileAsync(
            Registry(backend.Url, "/one"),
            new Dictionary<string, string?> { ["Portico:Registry:ReloadInterval"] = "00:00:01" },
            services => ForwardingRegistryStore.Replace(services, inner => store = new BuggyOnceStore(inner)));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/one")).StatusCode);

        Exception thrown = bug switch
        {
            "aggregate" => new AggregateException(new InvalidOperationException("simulated bug in a revision check")),
            _ => new InvalidOperationException("simulated bug in a revision check"),
        };
        store!.FailNextCheck(thrown);
        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id == 111), TimeSpan.FromSeconds(10)), "the failed reload was not logged as a bug");
        var logged = gateway.Logs.Entries.First(e => e.EventId.Id == 111);
        Assert.Same(thrown, logged.Exception);
        Assert.DoesNotContain(gateway.Logs.Entries, e => e.EventId.Id == 110); // not reported as a storage failure
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
    private sealed class BuggyOnceStore(FileRegistryStore inner) : ForwardingRegistryStore(inner)
    {
        private Exception? _fail;

        public void FailNextCheck(Exception bug) => Volatile.Write(ref _fail, bug);

        public override Task<string> GetRevisionAsync(CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref _fail, null) is { } bug
                ? throw bug
                : base.GetRevisionAsync(cancellationToken);
    }
}
