using System.Net;
using Microsoft.Extensions.Time.Testing;
using Portico.AddressLimits;

namespace Portico.Tests.AddressLimits;

/// <summary>The per-address tables stay within their bound: idle addresses are forgotten (and counted), active ones are kept.</summary>
public sealed class AddressBucketsTests
{
    private static readonly AddressRate TwoPerMinute = new("address", TimeSpan.FromSeconds(30).Ticks, 2);

    private static UInt128 Key(int i) => AddressKey.Of(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]));

    [Fact]
    public void TryTake_NewAddressesBeyondTheCap_IdleOnesEvictedAndCounted()
    {
        var time = new FakeTimeProvider();
        var evicted = 0;
        var overflowed = 0;
        var buckets = new AddressBuckets(time, maxTracked: 100) { Evicted = n => evicted += n, Overflowed = () => overflowed++ };
        for (int i = 0; i < 100; i++)
        {
            Assert.True(buckets.TryTake(Key(i), TwoPerMinute, out _, out _, out _));
        }

        time.Advance(TimeSpan.FromMinutes(1)); // every bucket is full again: nothing worth remembering
        for (int i = 100; i < 1_000; i++)
        {
            Assert.True(buckets.TryTake(Key(i), TwoPerMinute, out _, out _, out _));
            time.Advance(TimeSpan.FromSeconds(1)); // a sweep at most once a second
        }

        Assert.True(buckets.Count <= 101, $"{buckets.Count} addresses tracked"); // the cap, and the overflow entry
        Assert.True(evicted >= 900, $"{evicted} evicted");
        Assert.Equal(0, overflowed);
    }

    [Fact]
    public void TryTake_TableFullOfActiveAddresses_NewOnesShareTheOverflowBucket()
    {
        var time = new FakeTimeProvider();
        var overflowed = 0;
        var buckets = new AddressBuckets(time, maxTracked: 10) { Overflowed = () => overflowed++ };
        for (int i = 0; i < 10; i++)
        {
            buckets.TryTake(Key(i), TwoPerMinute, out _, out _, out _);
        }

        // Nothing is idle: three new addresses share one bucket of two, so the third is refused.
        Assert.True(buckets.TryTake(Key(100), TwoPerMinute, out _, out _, out _));
        Assert.True(buckets.TryTake(Key(101), TwoPerMinute, out _, out _, out _));
        Assert.False(buckets.TryTake(Key(102), TwoPerMinute, out _, out _, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30).Ticks, retryAfter);
        Assert.Equal(3, overflowed);
        Assert.Equal(11, buckets.Count);
    }

    [Fact]
    public void Charge_ManyFailures_NeverLocksAnAddressOutForLongerThanOneInterval()
    {
        var time = new FakeTimeProvider();
        var buckets = new AddressBuckets(time, maxTracked: 10);
        for (int i = 0; i < 1_000; i++)
        {
            buckets.Charge(Key(1), TwoPerMinute);
        }

        Assert.True(buckets.IsEmpty(Key(1), TwoPerMinute, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(30).Ticks, wait);
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)] // one /64
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1", true)]
    [InlineData("192.0.2.1", "192.0.2.2", false)]
    public void Of_Addresses_KeyedByHostForIPv4AndBySlash64ForIPv6(string a, string b, bool same)
    {
        Assert.Equal(same, AddressKey.Of(IPAddress.Parse(a)) == AddressKey.Of(IPAddress.Parse(b)));
    }
}
