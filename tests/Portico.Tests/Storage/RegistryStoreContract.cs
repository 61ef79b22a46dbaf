using Portico.Configuration;
using Portico.Registry;

namespace Portico.Tests.Storage;

/// <summary>
/// The behaviour every registry store must have, run against each implementation (file, and Table storage on
/// Azurite) by a subclass that only says how to create a fresh, empty store.
/// </summary>
public abstract class RegistryStoreContract
{
    protected static readonly RegistryDocument Sample = Document(
        [new BackendDefinition { Id = "users", Url = "http://127.0.0.1:7080" }, new BackendDefinition { Id = "orders", Url = "http://127.0.0.1:7081/base" }],
        [
            new RouteDefinition { Id = "users", Auth = "anonymous", Match = new RouteMatchDefinition { Path = "/api/users/{id}", Methods = ["GET"] }, Backend = "users", Rewrite = new PathRewriteDefinition { Path = "/users/{id}" } },
            new RouteDefinition { Id = "orders", Auth = "anonymous", Match = new RouteMatchDefinition { Path = "/api/orders/{**rest}", Hosts = ["api.example.com"], Priority = 3 }, Backend = "orders", ActivityTimeout = "30s" },
            new RouteDefinition { Id = "down", Auth = "anonymous", Match = new RouteMatchDefinition { Path = "/down" }, Static = new StaticResponseDefinition { Status = 503, Headers = new Dictionary<string, string> { ["Retry-After"] = "60" }, Body = "later" } },
        ]);

    /// <summary>A new, empty store; disposed by the caller when it is disposable.</summary>
    protected abstract Task<IRegistryStore> CreateStoreAsync();

    protected static RegistryDocument Document(IReadOnlyList<BackendDefinition> backends, IReadOnlyList<RouteDefinition> routes) =>
        new() { Backends = backends, Routes = routes };

    [Fact]
    public async Task Load_EmptyStore_GivesEmptyRegistry()
    {
        var store = await CreateStoreAsync();
        await store.ImportAsync(new RegistryDocument(), prune: true, CancellationToken.None);
        var loaded = await store.LoadAsync(CancellationToken.None);
        Assert.NotNull(loaded.Document);
        Assert.Empty(loaded.Document!.Routes);
        Assert.Empty(loaded.Document.Backends);
    }

    [Fact]
    public async Task Import_ThenLoad_RoundTripsEveryField()
    {
        var store = await CreateStoreAsync();
        var diff = await store.ImportAsync(Sample, prune: false, CancellationToken.None);
        Assert.Equal(5, diff.Changes.Count);
        Assert.All(diff.Changes, c => Assert.Equal(RegistryChangeType.Added, c.Type));

        var loaded = await store.LoadAsync(CancellationToken.None);
        Assert.True(RegistryDiff.Compute(Sample, loaded.Document!).IsEmpty, RegistryDiff.Compute(Sample, loaded.Document!).ToString());
        var orders = loaded.Document!.Routes.Single(r => r.Id == "orders");
        Assert.Equal(3, orders.Match.Priority);
        Assert.Equal("30s", orders.ActivityTimeout);
        Assert.Equal("60", loaded.Document.Routes.Single(r => r.Id == "down").Static!.Headers!["Retry-After"]);
    }

    [Fact]
    public async Task Import_SameDocumentTwice_SecondChangesNothing()
    {
        var store = await CreateStoreAsync();
        await store.ImportAsync(Sample, prune: false, CancellationToken.None);
        var revision = await store.GetRevisionAsync(CancellationToken.None);

        var diff = await store.ImportAsync(Sample, prune: false, CancellationToken.None);

        Assert.True(diff.IsEmpty);
        Assert.Equal(revision, await store.GetRevisionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Import_WithoutPrune_KeepsItemsTheDocumentDoesNotName()
    {
        var store = await CreateStoreAsync();
        await store.ImportAsync(Sample, prune: false, CancellationToken.None);
        var changed = Sample.Routes[0] with { ActivityTimeout = "5s" };

        var diff = await store.ImportAsync(Document([], [changed]), prune: false, CancellationToken.None);

        Assert.Equal([new RegistryChange("route", "users", RegistryChangeType.Changed)], diff.Changes);
        var loaded = (await store.LoadAsync(CancellationToken.None)).Document!;
        Assert.Equal(3, loaded.Routes.Count);
        Assert.Equal(2, loaded.Backends.Count);
        Assert.Equal("5s", loaded.Routes.Single(r => r.Id == "users").ActivityTimeout);
    }

    [Fact]
    public async Task Import_WithPrune_RemovesItemsTheDocumentDoesNotName()
    {
        var store = await CreateStoreAsync();
        await store.ImportAsync(Sample, prune: false, CancellationToken.None);
        var kept = Document([Sample.Backends[0]], [Sample.Routes[0]]);

        var diff = await store.ImportAsync(kept, prune: true, CancellationToken.None);

        Assert.Equal(3, diff.Changes.Count(c => c.Type == RegistryChangeType.Removed));
        var loaded = (await store.LoadAsync(CancellationToken.None)).Document!;
        Assert.Equal(["users"], loaded.Routes.Select(r => r.Id));
        Assert.Equal(["users"], loaded.Backends.Select(b => b.Id));
    }

    [Fact]
    public async Task Revision_ChangesWhenContentChanges()
    {
        var store = await CreateStoreAsync();
        await store.ImportAsync(Sample, prune: false, CancellationToken.None);
        var before = await store.GetRevisionAsync(CancellationToken.None);

        await store.ImportAsync(Document([], [Sample.Routes[2] with { Static = new StaticResponseDefinition { Body = "changed" } }]), prune: false, CancellationToken.None);

        Assert.NotEqual(before, await store.GetRevisionAsync(CancellationToken.None));
        Assert.Equal((await store.LoadAsync(CancellationToken.None)).Revision, await store.GetRevisionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Import_ManyItems_AllStored()
    {
        // More than one table transaction (100 entities) per partition.
        var store = await CreateStoreAsync();
        var routes = Enumerable.Range(0, 250)
            .Select(i => new RouteDefinition { Id = $"r{i:000}", Auth = "anonymous", Match = new RouteMatchDefinition { Path = $"/r/{i}" }, Static = new StaticResponseDefinition { Body = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } })
            .ToList();

        await store.ImportAsync(Document([], routes), prune: true, CancellationToken.None);

        var loaded = (await store.LoadAsync(CancellationToken.None)).Document!;
        Assert.Equal(250, loaded.Routes.Count);
        Assert.Equal("249", loaded.Routes.Single(r => r.Id == "r249").Static!.Body);
    }

    [Fact]
    public async Task Import_AuthPoliciesApiKeysAndRouteAuth_RoundTripEveryField()
    {
        var store = await CreateStoreAsync();
        var document = new RegistryDocument
        {
            Backends = [new BackendDefinition { Id = "b", Url = "http://127.0.0.1:9" }],
            Consumers = [new ConsumerDefinition { Id = "c1", Plan = "gold" }],
            AuthPolicies =
            [
                new AuthPolicyDefinition { Id = "keys", Type = "apiKey", ApiKey = new ApiKeyPolicyDefinition { Header = "X-Key", QueryParameter = "key" } },
                new AuthPolicyDefinition
                {
                    Id = "users",
                    Type = "jwt",
                    Jwt = new JwtPolicyDefinition
                    {
                        TokenType = "at+jwt",
                        ClockSkew = "30s",
                        ConsumerClaim = "azp",
                        Issuers = [new JwtIssuerDefinition { Issuer = "https://login.example/", Audiences = ["api"], Algorithms = ["ES256"], DiscoveryUrl = "https://login.example/.well-known/openid-configuration", MinRefreshInterval = "1m" }],
                    },
                },
                new AuthPolicyDefinition { Id = "opaque", Type = "introspection", Introspection = new IntrospectionPolicyDefinition { Endpoint = "https://login.example/introspect", ClientId = "g", ClientSecretSetting = "SECRET", UnavailableStatus = 401 } },
                new AuthPolicyDefinition { Id = "certs", Type = "mtls", Mtls = new MtlsPolicyDefinition { Thumbprints = [new string('A', 64)], Consumers = new Dictionary<string, string> { ["CN=c1"] = "c1" } } },
                new AuthPolicyDefinition { Id = "any", Type = "anyOf", Policies = ["keys", "users"] },
            ],
            ApiKeys = [new ApiKeyDefinition { Id = "abcdefghijkm", Consumer = "c1", Hash = new string('a', 64), Status = "revoked", Created = "2026-01-02T03:04:05Z" }],
            Routes =
            [
                new RouteDefinition
                {
                    Id = "r",
                    Auth = "any",
                    Match = new RouteMatchDefinition { Path = "/r" },
                    Backend = "b",
                    Authorization = new AuthorizationDefinition { Scopes = ["s"], Roles = ["admin"], Claims = new Dictionary<string, IReadOnlyList<string>> { ["tid"] = ["t1", "t2"] }, Require = "anyOf" },
                    ForwardAuthorization = false,
                    ApiKeyInQuery = true,
                },
            ],
        };

        await store.ImportAsync(document, prune: false, CancellationToken.None);
        var loaded = (await store.LoadAsync(CancellationToken.None)).Document!;

        Assert.True(RegistryDiff.Compute(document, loaded).IsEmpty, RegistryDiff.Compute(document, loaded).ToString());
        Assert.Equal(5, loaded.AuthPolicies.Count);
        Assert.Equal("revoked", Assert.Single(loaded.ApiKeys).Status);
        Assert.Equal(["t1", "t2"], loaded.Routes.Single().Authorization!.Claims!["tid"]);
    }
}
