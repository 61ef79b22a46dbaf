using Portico.Discovery.Sources;

namespace Portico.Tests.Discovery.Sources;

/// <summary>
/// The behaviour every registered-instance store must have, run against each implementation (memory, and Table storage
/// on Azurite) by a subclass that only says how to create a fresh, empty store.
/// </summary>
public abstract class InstanceStoreContract
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 14, 30, 0, TimeSpan.Zero);

    /// <summary>A new, empty store.</summary>
    private protected abstract Task<IInstanceStore> CreateStoreAsync();

    [Fact]
    public async Task List_NothingRegistered_IsEmpty()
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.ListAsync("users", CancellationToken.None));
        Assert.False(await store.DeleteAsync("users", "http://127.0.0.1:7001", CancellationToken.None));
    }

    [Fact]
    public async Task Upsert_ThenList_RoundTripsEveryField()
    {
        var store = await CreateStoreAsync();
        var record = Record("users", "http://127.0.0.1:7001/base?x=1#y", weight: 250) with
        {
            Metadata = new Dictionary<string, string> { ["zone"] = "eu-west", ["version"] = "v2 \"beta\"" },
            Registrant = "admin:ops",
        };

        await store.UpsertAsync(record, CancellationToken.None);

        var listed = Assert.Single(await store.ListAsync("users", CancellationToken.None));
        Assert.Equal((record.BackendId, record.Url, record.Weight, record.LastSeen, record.ExpiresAt, record.Registrant),
            (listed.BackendId, listed.Url, listed.Weight, listed.LastSeen, listed.ExpiresAt, listed.Registrant));
        Assert.Equal(record.Metadata.OrderBy(p => p.Key), listed.Metadata.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Upsert_SameUrlAgain_ReplacesTheRegistration()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Record("users", "http://127.0.0.1:7001", weight: 1), CancellationToken.None);
        var renewed = Record("users", "http://127.0.0.1:7001", weight: 5) with { LastSeen = At.AddSeconds(30), ExpiresAt = At.AddSeconds(60) };

        await store.UpsertAsync(renewed, CancellationToken.None);

        var listed = Assert.Single(await store.ListAsync("users", CancellationToken.None));
        Assert.Equal((5, renewed.LastSeen, renewed.ExpiresAt), (listed.Weight, listed.LastSeen, listed.ExpiresAt));
    }

    [Fact]
    public async Task List_OtherBackendsRegistrations_AreNotIncluded()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Record("users", "http://127.0.0.1:7001"), CancellationToken.None);
        await store.UpsertAsync(Record("users", "http://127.0.0.1:7002"), CancellationToken.None);
        await store.UpsertAsync(Record("orders", "http://127.0.0.1:7001"), CancellationToken.None);

        var users = await store.ListAsync("users", CancellationToken.None);

        Assert.Equal(["http://127.0.0.1:7001", "http://127.0.0.1:7002"], users.Select(r => r.Url).Order(StringComparer.Ordinal));
        Assert.All(users, r => Assert.Equal("users", r.BackendId));
    }

    [Fact]
    public async Task List_ExpiredRegistrations_AreIncludedForTheCallerToRemove()
    {
        var store = await CreateStoreAsync();
        var expired = Record("users", "http://127.0.0.1:7001") with { ExpiresAt = At.AddYears(-10) };

        await store.UpsertAsync(expired, CancellationToken.None);

        Assert.Equal(expired.ExpiresAt, Assert.Single(await store.ListAsync("users", CancellationToken.None)).ExpiresAt);
    }

    [Fact]
    public async Task Delete_Registered_RemovesOnlyThatOneAndSaysSoOnce()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Record("users", "http://127.0.0.1:7001"), CancellationToken.None);
        await store.UpsertAsync(Record("users", "http://127.0.0.1:7002"), CancellationToken.None);
        await store.UpsertAsync(Record("orders", "http://127.0.0.1:7001"), CancellationToken.None);

        Assert.True(await store.DeleteAsync("users", "http://127.0.0.1:7001", CancellationToken.None));
        Assert.False(await store.DeleteAsync("users", "http://127.0.0.1:7001", CancellationToken.None));

        Assert.Equal(["http://127.0.0.1:7002"], (await store.ListAsync("users", CancellationToken.None)).Select(r => r.Url));
        Assert.Single(await store.ListAsync("orders", CancellationToken.None));
    }

    private static InstanceRecord Record(string backend, string url, int weight = 1) =>
        new(backend, url, weight, new Dictionary<string, string>(), At, At.AddSeconds(30), "admin");
}
