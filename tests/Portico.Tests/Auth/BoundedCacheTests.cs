using Microsoft.Extensions.Time.Testing;
using Portico.Auth;

namespace Portico.Tests.Auth;

/// <summary>The authentication cache: entries expire on the gateway's clock, a remembered "none" is a hit, and the bound holds.</summary>
public sealed class BoundedCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 11, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryGet_UntilAndAtItsExpiry_FindsTheEntryThenNot()
    {
        var cache = new BoundedCache<string, string>(_time, 10);
        cache.Set("key", "value", _time.GetUtcNow().AddSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(cache.TryGet("key", out var value));
        Assert.Equal("value", value);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("key", out _));
    }

    [Fact]
    public void TryGet_RememberedNull_IsAHit()
    {
        // An API key id not in storage is remembered as null for a while, so it is not looked up again.
        var cache = new BoundedCache<string, object?>(_time, 10);
        cache.Set("unknown", null, _time.GetUtcNow().AddSeconds(5));

        Assert.True(cache.TryGet("unknown", out var value));
        Assert.Null(value);
    }

    [Fact]
    public void Set_AnExistingKey_ReplacesItsValueAndExpiry()
    {
        var cache = new BoundedCache<UInt128, bool>(_time, 10);
        cache.Set(7, true, _time.GetUtcNow().AddMinutes(5));
        cache.Set(7, false, _time.GetUtcNow().AddSeconds(1));

        Assert.True(cache.TryGet(7, out var value));
        Assert.False(value);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet(7, out _));
    }

    [Fact]
    public void Set_AFloodOfUniqueKeys_NeverHoldsMoreThanTheBound()
    {
        var cache = new BoundedCache<UInt128, bool>(_time, 100);
        for (ulong i = 0; i < 1_000; i++)
        {
            cache.Set(i, true, _time.GetUtcNow().AddMinutes(5));
            Assert.True(cache.Count <= 100, $"{cache.Count} entries after {i + 1} stores");
        }
    }
}
