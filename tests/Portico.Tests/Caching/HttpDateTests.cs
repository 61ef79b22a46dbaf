using Microsoft.Extensions.Time.Testing;
using Portico.Caching;

namespace Portico.Tests.Caching;

/// <summary>RFC 9110 §5.6.7: an RFC 850 date's two-digit year is placed by the clock, never more than 50 years ahead.</summary>
public sealed class HttpDateTests
{
    [Theory]
    [InlineData(2026, "Sunday, 06-Nov-94 08:49:37 GMT", 1994)]
    [InlineData(2026, "Thursday, 06-Nov-70 08:49:37 GMT", 2070)]
    [InlineData(2090, "Wednesday, 06-Nov-94 08:49:37 GMT", 2094)]
    public void TryParse_Rfc850TwoDigitYear_PlacedByTheClock(int clockYear, string value, int expectedYear)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(clockYear, 6, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(HttpDate.TryParse(value, out var date, clock));
        Assert.Equal(expectedYear, date.Year);
    }
}
