using Microsoft.Extensions.Primitives;
using Portico.Caching;

namespace Portico.Tests.Caching;

/// <summary>The in-process store: variants, byte budget and eviction, removal by key and by purge.</summary>
public sealed class ResponseCacheTests
{
    internal static CachedResponse Entry(string key, int bodyBytes = 100, string route = "r", string? vary = null, string[]? tags = null, DateTimeOffset? at = null, string path = "/p") => new()
    {
        RouteId = route,
        PrimaryKey = key,
        Host = "h",
        Path = path,
        KeyHeaderValues = [],
        VaryNames = vary is null ? [] : ["accept"],
        VaryValues = vary is null ? [] : [vary],
        Status = 200,
        Headers = [new("Content-Type", new StringValues("text/plain"))],
        Body = new byte[bodyBytes],
        RequestTime = at ?? DateTimeOffset.UnixEpoch,
        ResponseTime = at ?? DateTimeOffset.UnixEpoch,
        CorrectedInitialAge = TimeSpan.Zero,
        FreshnessLifetime = TimeSpan.FromMinutes(1),
        Directives = CacheControl.Empty,
        SurrogateKeys = tags ?? [],
        Size = bodyBytes + 512,
    };

    [Fact]
    public void Store_SameVariantTwice_ReplacesAndKeepsOtherVariants()
    {
        var cache = new ResponseCache(1 << 20);
        cache.Store(Entry("k", vary: "json"));
        cache.Store(Entry("k", vary: "xml"));
        var newer = Entry("k", vary: "json");
        cache.Store(newer);

        var group = cache.Find("k")!;
        Assert.Equal(2, group.Length);
        Assert.Contains(newer, group);
        Assert.Equal(2, cache.Count);
        Assert.Equal(2 * 612, cache.Bytes);
    }

    [Fact]
    public void Store_OverBudget_EvictsLeastRecentlyUsedToNinetyPercent()
    {
        var evicted = 0L;
        var cache = new ResponseCache(10 * 612, count => evicted += count);
        var entries = Enumerable.Range(0, 10).Select(i => Entry("k" + i)).ToArray();
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i].LastUse = i;
            cache.Store(entries[i]);
        }

        entries[0].LastUse = 100; // used recently: survives
        var extra = Entry("extra");
        extra.LastUse = 101;
        cache.Store(extra);

        Assert.True(cache.Bytes <= 9 * 612, $"bytes {cache.Bytes}");
        Assert.NotNull(cache.Find("k0"));
        Assert.Null(cache.Find("k1"));
        Assert.Null(cache.Find("k2"));
        Assert.NotNull(cache.Find("extra"));
        Assert.Equal(2, evicted);
    }

    [Fact]
    public void Store_EntryLargerThanBudget_NotStored()
    {
        var cache = new ResponseCache(1000);
        cache.Store(Entry("k", bodyBytes: 5000));
        Assert.Null(cache.Find("k"));
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void RemoveWhere_SurrogateKeyPurge_RemovesOnlySelectedAndAccounts()
    {
        var cache = new ResponseCache(1 << 20);
        cache.Store(Entry("a", tags: ["p1"]));
        cache.Store(Entry("b", tags: ["p2"]));
        var purge = new PurgeRecord { Id = "1", Kind = PurgeKind.SurrogateKey, Value = "p1", CreatedAt = DateTimeOffset.UnixEpoch };

        Assert.Equal(1, cache.RemoveWhere(purge.Selects));
        Assert.Null(cache.Find("a"));
        Assert.NotNull(cache.Find("b"));
        Assert.Equal(1, cache.Count);
        Assert.Equal(612, cache.Bytes);
    }

    [Fact]
    public void RemoveKey_AllVariantsGone()
    {
        var cache = new ResponseCache(1 << 20);
        cache.Store(Entry("k", vary: "a"));
        cache.Store(Entry("k", vary: "b"));
        Assert.Equal(2, cache.RemoveKey("k"));
        Assert.Equal(0, cache.Count);
    }

    [Theory]
    [InlineData(PurgeKind.Url, "http://h/p?x=1", null, true)]
    [InlineData(PurgeKind.Url, "http://h/p", null, false)]
    [InlineData(PurgeKind.Url, "/p?x=1", null, true)]
    [InlineData(PurgeKind.Prefix, "/", null, true)]
    [InlineData(PurgeKind.Prefix, "/p", "h", true)]
    [InlineData(PurgeKind.Prefix, "/p", "other", false)]
    [InlineData(PurgeKind.Prefix, "/q", null, false)]
    public void PurgeRecord_Selects_ByKind(PurgeKind kind, string value, string? host, bool expected)
    {
        var purge = new PurgeRecord { Id = "1", Kind = kind, Value = value, Host = host, CreatedAt = DateTimeOffset.UnixEpoch };
        Assert.Equal(expected, purge.Selects(Entry("http://h/p?x=1")));
    }

    [Fact]
    public void SharedEntryFormat_RoundTrips()
    {
        var entry = Entry("http://h/p", bodyBytes: 10, vary: "json", tags: ["a", "b"], at: DateTimeOffset.UnixEpoch.AddDays(1));
        var read = SharedEntryFormat.Read(SharedEntryFormat.Write(entry))!;

        Assert.Equal(entry.PrimaryKey, read.PrimaryKey);
        Assert.Equal(entry.VaryValues, read.VaryValues);
        Assert.Equal(entry.SurrogateKeys, read.SurrogateKeys);
        Assert.Equal(entry.ResponseTime, read.ResponseTime);
        Assert.Equal(entry.FreshnessLifetime, read.FreshnessLifetime);
        Assert.Equal(entry.Body, read.Body);
        Assert.Equal("text/plain", read.Header("content-type").ToString());
    }

    [Fact]
    public void SharedEntryFormat_TruncatedOrForeign_Null()
    {
        var bytes = SharedEntryFormat.Write(Entry("k"));
        Assert.Null(SharedEntryFormat.Read(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Null(SharedEntryFormat.Read("not an entry"u8));
    }
}
