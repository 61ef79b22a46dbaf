using Microsoft.Extensions.Primitives;
using Portico.Caching;

namespace Portico.Tests.Caching;

/// <summary>Parsing of Cache-Control (RFC 9111 §5.2) as the cache reads it.</summary>
public sealed class CacheControlTests
{
    [Theory]
    [InlineData("max-age=60", 60L)]
    [InlineData("MAX-AGE=60", 60L)]
    [InlineData("max-age=003600", 3600L)]
    [InlineData("max-age=\"3600\"", 3600L)]
    [InlineData("max-age=1800, max-age=1", 1800L)]
    [InlineData("max-age=99999999999999", 2147483648L)]
    [InlineData("max-age=-1", 0L)]
    [InlineData("max-age=3600.5", 0L)]
    [InlineData("max-age='3600'", 0L)]
    [InlineData("max-age=a3600", 0L)]
    [InlineData("max-age=", 0L)]
    public void Parse_MaxAge_ReadsDeltaSecondsStrictly(string field, long expected)
    {
        Assert.Equal(expected, CacheControl.Parse(field).MaxAge);
    }

    [Theory]
    [InlineData("max-age =3600")]
    [InlineData("max-age= 3600")]
    [InlineData("extension=\"max-age=3600\"")]
    [InlineData("extension=\"a, max-age=3600\"")]
    public void Parse_MalformedOrQuoted_NoMaxAge(string field)
    {
        Assert.Null(CacheControl.Parse(field).MaxAge);
    }

    [Fact]
    public void Parse_SeveralLines_FirstOccurrenceWins()
    {
        var parsed = CacheControl.Parse(new StringValues(["max-age=1800", "max-age=1, no-store"]));
        Assert.Equal(1800, parsed.MaxAge);
        Assert.True(parsed.NoStore);
    }

    [Fact]
    public void Parse_QualifiedNoCacheAndPrivate_FieldNamesKeptAndUnqualifiedUnset()
    {
        var parsed = CacheControl.Parse("no-cache=\"Set-Cookie, X-Secret\", private=\"X-User\", max-age=60");
        Assert.False(parsed.NoCache);
        Assert.False(parsed.Private);
        Assert.Equal(["Set-Cookie", "X-Secret"], parsed.NoCacheFields!);
        Assert.Equal(["X-User"], parsed.PrivateFields!);
    }

    [Fact]
    public void Parse_RequestDirectives_AllRead()
    {
        var parsed = CacheControl.Parse("max-stale, min-fresh=5, only-if-cached, no-transform, stale-if-error=30");
        Assert.Equal(long.MaxValue, parsed.MaxStale);
        Assert.Equal(5, parsed.MinFresh);
        Assert.True(parsed.OnlyIfCached);
        Assert.True(parsed.NoTransform);
        Assert.Equal(30, parsed.StaleIfError);
    }

    [Theory]
    [InlineData("s-maxage=10")]
    [InlineData("must-revalidate")]
    [InlineData("proxy-revalidate")]
    public void ForbidsStale_SharedCacheDirectives_True(string field)
    {
        Assert.True(CacheControl.Parse(field).ForbidsStale);
    }

    [Fact]
    public void Parse_ThousandsOfDirectives_BoundedAndNoThrow()
    {
        var field = string.Join(", ", Enumerable.Range(0, 10_000).Select(i => $"x{i}")) + ", max-age=5";
        var parsed = CacheControl.Parse(field);
        Assert.Null(parsed.MaxAge); // past the directive limit: the rest of an absurd field is ignored
    }

    [Fact]
    public void WithoutClientRefresh_DropsNoCacheMaxAgeMinFresh_KeepsTheRest()
    {
        var parsed = CacheControl.Parse("no-cache, max-age=0, min-fresh=5, only-if-cached").WithoutClientRefresh();
        Assert.False(parsed.NoCache);
        Assert.Null(parsed.MaxAge);
        Assert.Null(parsed.MinFresh);
        Assert.True(parsed.OnlyIfCached);
    }
}
