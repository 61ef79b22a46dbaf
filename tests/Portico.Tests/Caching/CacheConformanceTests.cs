using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Portico.Tests.Caching;

/// <summary>
/// RFC 9111 details of a shared cache, one per test, against a real backend that sets each header and a fake clock:
/// qualified <c>private</c> and <c>no-cache</c>, <c>Age</c> from upstream, which statuses
/// may be stored and with what freshness, unknown unsafe methods.
/// </summary>
public sealed class CacheConformanceTests : IAsyncLifetime
{
    private CachingHarness _h = null!;

    public async Task InitializeAsync() => _h = await CachingHarness.StartAsync(CachingHarness.Registry(extraRoute: """
        { "id": "once", "auth": "anonymous", "match": { "path": "/once/{**rest}" }, "backend": "origin", "cache": {}, "resilience": { "retry": { "maxAttempts": 1 } } },
        """));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    private static bool Has(HttpResponseMessage response, string name) =>
        response.Headers.Contains(name) || response.Content.Headers.Contains(name);

    private void RespondWithStatus(string path, int status, params (string Name, string Value)[] headers) => _h.On(path, (context, call) =>
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }

        return context.Response.WriteAsync("answer " + call.ToString(CultureInfo.InvariantCulture));
    });

    [Fact]
    public async Task Get_PrivateNamingSetCookie_StoredWithoutTheCookie()
    {
        // §5.2.2.7: the qualified form keeps only the named fields out of a shared cache; the rest is storable.
        _h.Respond("/p", "body {call}", ("Cache-Control", "max-age=60, private=\"Set-Cookie\""), ("Set-Cookie", "session=alice"), ("X-Kept", "yes"));

        using var first = await _h.GetAsync("/p");
        using var second = await _h.GetAsync("/p");

        Assert.True(Has(first, HeaderNames.SetCookie)); // the caller the response was for gets it
        Assert.Equal(1, _h.Calls("/p"));
        Assert.StartsWith("Portico; hit", CacheStatus(second));
        Assert.False(Has(second, HeaderNames.SetCookie));
        Assert.Equal("yes", second.Headers.GetValues("X-Kept").Single());
    }

    [Fact]
    public async Task Get_NoCacheNamingAField_ServedWithoutThatFieldAndWithoutRevalidation()
    {
        // §5.2.2.4: the qualified form forbids sending the named fields without revalidation, not the response.
        _h.Respond("/nc", "body {call}", ("Cache-Control", "max-age=60, no-cache=\"X-Secret\""), ("X-Secret", "s3"), ("X-Kept", "yes"));

        using var first = await _h.GetAsync("/nc");
        using var second = await _h.GetAsync("/nc");

        Assert.Equal(1, _h.Calls("/nc"));
        Assert.Equal("body 1", await second.Content.ReadAsStringAsync());
        Assert.False(Has(second, "X-Secret"));
        Assert.True(Has(second, "X-Kept"));
    }

    [Fact]
    public async Task Get_UpstreamAge_CountsWhenLargerThanTheApparentAge()
    {
        // §4.2.3: corrected_age_value = Age + response_delay; the larger of it and the apparent age counts.
        var date = HeaderUtilities.FormatDate(_h.Time.GetUtcNow());
        _h.Respond("/upage", "body {call}", ("Cache-Control", "max-age=100"), ("Date", date), ("Age", "90"));

        using var first = await _h.GetAsync("/upage");
        _h.Time.Advance(TimeSpan.FromSeconds(5));
        using var second = await _h.GetAsync("/upage");
        _h.Time.Advance(TimeSpan.FromSeconds(6));
        using var third = await _h.GetAsync("/upage");

        Assert.InRange((int)second.Headers.Age!.Value.TotalSeconds, 95, 96);
        Assert.Equal(2, _h.Calls("/upage"));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(301)]
    [InlineData(501)]
    public async Task Get_HeuristicallyCacheableStatusWithLastModified_StoredHeuristically(int status)
    {
        var path = "/h" + status;
        RespondWithStatus(path, status, ("Last-Modified", HeaderUtilities.FormatDate(_h.Time.GetUtcNow().AddDays(-10))), ("Location", "/elsewhere"));

        using var first = await _h.GetAsync(path);
        _h.Time.Advance(TimeSpan.FromHours(1));
        using var second = await _h.GetAsync(path);

        Assert.Equal(status, (int)second.StatusCode);
        Assert.Equal(1, _h.Calls(path));
    }

    [Theory]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(403)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Get_StatusNotHeuristicallyCacheableWithLastModifiedOnly_NotStored(int status)
    {
        var path = "/once/nh" + status; // one attempt: a 5xx is not retried
        RespondWithStatus(path, status, ("Last-Modified", HeaderUtilities.FormatDate(_h.Time.GetUtcNow().AddDays(-10))), ("Location", "/elsewhere"));

        using var first = await _h.GetAsync(path);
        using var second = await _h.GetAsync(path);

        Assert.Equal(2, _h.Calls(path));
        Assert.DoesNotContain("hit", CacheStatus(second));
    }

    [Theory]
    [InlineData(302)]
    [InlineData(403)]
    [InlineData(500)]
    [InlineData(599)]
    public async Task Get_AnyFinalStatusWithExplicitFreshness_Stored(int status)
    {
        // §3: explicit freshness makes a final response storable whatever its status (206 and 304 aside).
        var path = "/once/x" + status;
        RespondWithStatus(path, status, ("Cache-Control", "max-age=60"), ("Location", "/elsewhere"));

        using var first = await _h.GetAsync(path);
        using var second = await _h.GetAsync(path);

        Assert.Equal(status, (int)second.StatusCode);
        Assert.Equal("answer 1", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, _h.Calls(path));
    }

    [Fact]
    public async Task Get_MustUnderstandOnAStatusItDoesNotKnow_NotStoredEvenWithFreshness()
    {
        RespondWithStatus("/mu", 299, ("Cache-Control", "max-age=60, must-understand, no-store"));

        using var first = await _h.GetAsync("/mu");
        using var second = await _h.GetAsync("/mu");

        Assert.Equal(2, _h.Calls("/mu"));
    }

    [Fact]
    public async Task Get_SharedMaxAgeOverMaxAgeZero_ServedFromCache()
    {
        _h.Respond("/s", "body {call}", ("Cache-Control", "max-age=0, s-maxage=60"));

        using var first = await _h.GetAsync("/s");
        using var second = await _h.GetAsync("/s");

        Assert.Equal(1, _h.Calls("/s"));
        Assert.StartsWith("Portico; hit", CacheStatus(second));
    }

    [Fact]
    public async Task Get_ExpiresWithoutDate_FreshUntilExpiresByTheResponseTime()
    {
        _h.On("/e", (context, call) =>
        {
            context.Response.Headers.Expires = HeaderUtilities.FormatDate(_h.Time.GetUtcNow().AddSeconds(100));
            context.Response.Headers.Remove(HeaderNames.Date);
            return context.Response.WriteAsync("body " + call.ToString(CultureInfo.InvariantCulture));
        });

        using var first = await _h.GetAsync("/e");
        _h.Time.Advance(TimeSpan.FromSeconds(90));
        using var second = await _h.GetAsync("/e");
        _h.Time.Advance(TimeSpan.FromSeconds(20));
        using var third = await _h.GetAsync("/e");

        Assert.Equal("body 1", await second.Content.ReadAsStringAsync());
        Assert.Equal("body 2", await third.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownUnsafeMethod_Successful_Invalidates()
    {
        // §4.4: every method not known to be safe invalidates.
        _h.Respond("/u", "body {call}", ("Cache-Control", "max-age=600"));
        using var first = await _h.GetAsync("/u");

        using var other = await _h.SendAsync(new HttpMethod("M-SEARCH"), "/u");
        using var after = await _h.GetAsync("/u");

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("body 3", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_RequestMinFresh_StoredResponseWithLessFreshnessLeftIsRevalidated()
    {
        _h.Respond("/mf", "body {call}", ("Cache-Control", "max-age=60"));

        using var first = await _h.GetAsync("/mf");
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        using var enough = await _h.GetAsync("/mf", ("Cache-Control", "min-fresh=20"));
        using var notEnough = await _h.GetAsync("/mf", ("Cache-Control", "min-fresh=40"));

        Assert.Equal("body 1", await enough.Content.ReadAsStringAsync());
        Assert.Equal("body 2", await notEnough.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_StaleIfErrorButMustRevalidate_ErrorPassedOn()
    {
        // §4.2.4: must-revalidate forbids serving stale, stale-if-error included (RFC 5861 §4).
        _h.On("/once/sie", (context, call) =>
        {
            if (call > 1)
            {
                context.Response.StatusCode = 503;
                return Task.CompletedTask;
            }

            context.Response.Headers.CacheControl = "max-age=10, must-revalidate, stale-if-error=600";
            return context.Response.WriteAsync("fine");
        });

        using var first = await _h.GetAsync("/once/sie");
        _h.Time.Advance(TimeSpan.FromSeconds(20));
        using var second = await _h.GetAsync("/once/sie");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
    }
}
