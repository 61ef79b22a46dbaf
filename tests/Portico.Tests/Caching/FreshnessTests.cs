using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portico.Caching;

namespace Portico.Tests.Caching;

/// <summary>The freshness and age arithmetic of RFC 9111 §4.2.</summary>
public sealed class FreshnessTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CachePolicy Policy = new() { RouteId = "r", MaxBodySize = 1024 };

    private static TimeSpan? Lifetime(string? cacheControl, int status = 200, CachePolicy? policy = null, params (string, string)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary.Append(name, value);
        }

        return Freshness.Lifetime(CacheControl.Parse(cacheControl is null ? StringValues.Empty : cacheControl), dictionary, status, Now, Now, policy ?? Policy, TimeSpan.FromDays(1), out _);
    }

    /// <summary>
    /// An RFC 850 date's two-digit year is placed by the gateway's clock (the response time), not the machine's: late
    /// in 2080, "81" is 2081, a day ahead; by the system clock of the 2020s it was 1981, so the lifetime was zero.
    /// </summary>
    [Fact]
    public void Lifetime_Rfc850Expires_TwoDigitYearPlacedByTheResponseTime()
    {
        var late = new DateTimeOffset(2080, 12, 31, 12, 0, 0, TimeSpan.Zero);
        var headers = new HeaderDictionary { ["Expires"] = "Wednesday, 01-Jan-81 12:00:00 GMT" };

        var lifetime = Freshness.Lifetime(CacheControl.Parse(StringValues.Empty), headers, 200, late, late, Policy, TimeSpan.FromDays(1), out _);

        Assert.Equal(TimeSpan.FromDays(1), lifetime);
    }

    [Fact]
    public void Lifetime_SharedMaxAgeBeforeMaxAgeBeforeExpires()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Lifetime("max-age=10, s-maxage=5", headers: ("Expires", Now.AddHours(1).ToString("R"))));
        Assert.Equal(TimeSpan.FromSeconds(10), Lifetime("max-age=10", headers: ("Expires", Now.AddHours(1).ToString("R"))));
        Assert.Equal(TimeSpan.FromHours(1), Lifetime(null, headers: ("Expires", Now.AddHours(1).ToString("R"))));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("yesterday")]
    public void Lifetime_InvalidExpires_InThePast(string expires)
    {
        Assert.Equal(TimeSpan.Zero, Lifetime(null, headers: ("Expires", expires)));
    }

    [Fact]
    public void Lifetime_TwoExpiresLines_InThePast()
    {
        Assert.Equal(TimeSpan.Zero, Lifetime(null, headers: [("Expires", Now.AddHours(1).ToString("R")), ("Expires", Now.AddHours(2).ToString("R"))]));
    }

    [Fact]
    public void Lifetime_Heuristic_TenPercentOfLastModifiedAgeCapped()
    {
        Assert.Equal(TimeSpan.FromSeconds(100), Lifetime(null, headers: ("Last-Modified", Now.AddSeconds(-1000).ToString("R"))));
        Assert.Equal(TimeSpan.FromDays(1), Lifetime(null, headers: ("Last-Modified", Now.AddYears(-5).ToString("R"))));
        Assert.Null(Lifetime(null, status: 500, headers: ("Last-Modified", Now.AddSeconds(-1000).ToString("R"))));
        Assert.Null(Lifetime(null, policy: new CachePolicy { RouteId = "r", MaxBodySize = 1, Heuristic = false }, headers: ("Last-Modified", Now.AddSeconds(-1000).ToString("R"))));
    }

    [Fact]
    public void Lifetime_RouteDefaultAndCap()
    {
        var policy = new CachePolicy { RouteId = "r", MaxBodySize = 1, DefaultTtl = TimeSpan.FromSeconds(30), MaxTtl = TimeSpan.FromSeconds(60) };
        Assert.Equal(TimeSpan.FromSeconds(30), Lifetime(null, policy: policy));
        Assert.Equal(TimeSpan.FromSeconds(60), Lifetime("max-age=600", policy: policy));
        Assert.Null(Lifetime(null, status: 302, policy: policy)); // 302 is not heuristically cacheable
    }

    [Fact]
    public void CorrectedInitialAge_TakesLargerOfApparentAgeAndAgePlusDelay()
    {
        var requestTime = Now.AddSeconds(-2);
        Assert.Equal(TimeSpan.FromSeconds(32), Freshness.CorrectedInitialAge(30, Now, requestTime, Now)); // Age 30 + 2 s delay
        Assert.Equal(TimeSpan.FromSeconds(100), Freshness.CorrectedInitialAge(0, Now.AddSeconds(-100), requestTime, Now)); // Date 100 s ago
        Assert.Equal(TimeSpan.FromSeconds(2), Freshness.CorrectedInitialAge(0, Now.AddSeconds(50), requestTime, Now)); // Date in the future
    }

    [Theory]
    [InlineData("3600", 3600L)]
    [InlineData("0, 7200", 0L)]
    [InlineData("7200, 0", 7200L)]
    [InlineData("abc", 0L)]
    [InlineData("-7200", 0L)]
    [InlineData("7200.0", 0L)]
    [InlineData("7200;foo=bar", 7200L)]
    [InlineData("2147483649", 2147483648L)]
    public void ParseAge_FirstMemberOfFirstLine(string age, long expected)
    {
        Assert.Equal(expected, Freshness.ParseAge(age));
    }

    [Fact]
    public void ParseAge_SeveralLines_FirstLine()
    {
        Assert.Equal(7200, Freshness.ParseAge(new StringValues(["7200", "0"])));
    }
}
