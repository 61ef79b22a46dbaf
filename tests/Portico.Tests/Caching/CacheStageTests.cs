using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Caching;

namespace Portico.Tests.Caching;

/// <summary>RFC 9111 behaviour of a caching route, against a real backend that sets each header, with a fake clock.</summary>
public sealed class CacheStageTests : IAsyncLifetime
{
    private CachingHarness _h = null!;

    public async Task InitializeAsync() => _h = await CachingHarness.StartAsync(CachingHarness.Registry(extraRoute: """
        { "id": "plain", "auth": "anonymous", "match": { "path": "/plain/{**rest}" }, "backend": "origin" },
        { "id": "once", "auth": "anonymous", "match": { "path": "/once/{**rest}" }, "backend": "origin", "cache": {}, "resilience": { "retry": { "maxAttempts": 1 } } },
        """));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    private static string? Age(HttpResponseMessage response) => response.Headers.Age?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Get_FreshMaxAge_SecondServedFromCacheWithAgeAndCacheStatus()
    {
        _h.Respond("/a", "body {call}", ("Cache-Control", "max-age=60"));

        using var first = await _h.GetAsync("/a");
        _h.Time.Advance(TimeSpan.FromSeconds(10));
        using var second = await _h.GetAsync("/a");

        Assert.Equal(1, _h.Calls("/a"));
        Assert.Equal("body 1", await second.Content.ReadAsStringAsync());
        Assert.Contains("Portico; fwd=uri-miss; fwd-status=200; stored", CacheStatus(first));
        Assert.StartsWith("Portico; hit; ttl=", CacheStatus(second));
        Assert.True(int.Parse(Age(second)!, System.Globalization.CultureInfo.InvariantCulture) >= 10);
    }

    [Fact]
    public async Task Get_AfterFreshnessLifetime_GoesToBackendAgain()
    {
        _h.Respond("/expire", "body {call}", ("Cache-Control", "max-age=60"));

        using var first = await _h.GetAsync("/expire");
        _h.Time.Advance(TimeSpan.FromSeconds(61));
        using var second = await _h.GetAsync("/expire");

        Assert.Equal(2, _h.Calls("/expire"));
        Assert.Equal("body 2", await second.Content.ReadAsStringAsync());
        Assert.Contains("fwd=stale", CacheStatus(second));
    }

    [Fact]
    public async Task Get_UpstreamAge_CountsTowardsFreshness()
    {
        _h.Respond("/aged", "body {call}", ("Cache-Control", "max-age=60"), ("Age", "55"));

        using var _ = await _h.GetAsync("/aged");
        _h.Time.Advance(TimeSpan.FromSeconds(6));
        using var second = await _h.GetAsync("/aged");

        Assert.Equal(2, _h.Calls("/aged"));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private")]
    [InlineData("max-age=60, no-store")]
    [InlineData("max-age=60, private")]
    public async Task Get_ResponseForbidsSharedStorage_NotStored(string cacheControl)
    {
        var path = "/forbid-" + Guid.NewGuid().ToString("N");
        _h.Respond(path, "body {call}", ("Cache-Control", cacheControl));

        using var first = await _h.GetAsync(path);
        using var second = await _h.GetAsync(path);

        Assert.Equal(2, _h.Calls(path));
        Assert.Equal("body 2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_MustUnderstandWithNoStoreOnUnderstoodStatus_Stored()
    {
        _h.Respond("/mu", "body {call}", ("Cache-Control", "max-age=60, must-understand, no-store"));

        using var _ = await _h.GetAsync("/mu");
        using var second = await _h.GetAsync("/mu");

        Assert.Equal(1, _h.Calls("/mu"));
    }

    [Theory]
    [InlineData("max-age=60", 2)]
    [InlineData("max-age=60, public", 1)]
    [InlineData("s-maxage=60", 1)]
    [InlineData("max-age=60, must-revalidate", 1)]
    public async Task Get_RequestWithAuthorization_StoredOnlyWhenResponseAllows(string cacheControl, int expectedCalls)
    {
        var path = "/auth-" + Guid.NewGuid().ToString("N");
        _h.Respond(path, "for {call}", ("Cache-Control", cacheControl));

        using var _ = await _h.GetAsync(path, ("Authorization", "Bearer alice"));
        using var second = await _h.GetAsync(path, ("Authorization", "Bearer bob"));

        Assert.Equal(expectedCalls, _h.Calls(path));
    }

    [Fact]
    public async Task Get_SetCookie_NotStoredByDefault()
    {
        _h.Respond("/cookie", "session {call}", ("Cache-Control", "max-age=60"), ("Set-Cookie", "session=abc"));

        using var first = await _h.GetAsync("/cookie");
        using var second = await _h.GetAsync("/cookie");

        Assert.Equal(2, _h.Calls("/cookie"));
        Assert.Contains("detail=set-cookie", CacheStatus(second));
    }

    [Fact]
    public async Task Get_VaryOnRequestHeader_EachValueItsOwnEntry()
    {
        _h.On("/vary", async (context, call) =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.Vary = "Accept-Language";
            await context.Response.WriteAsync($"{context.Request.Headers.AcceptLanguage} {call}");
        });

        using var en1 = await _h.GetAsync("/vary", ("Accept-Language", "en"));
        using var fr1 = await _h.GetAsync("/vary", ("Accept-Language", "fr"));
        using var en2 = await _h.GetAsync("/vary", ("Accept-Language", "en"));
        using var fr2 = await _h.GetAsync("/vary", ("Accept-Language", "fr"));

        Assert.Equal(2, _h.Calls("/vary"));
        Assert.Equal("en 1", await en2.Content.ReadAsStringAsync());
        Assert.Equal("fr 2", await fr2.Content.ReadAsStringAsync());
        Assert.Contains("fwd=vary-miss", CacheStatus(fr1));
    }

    [Fact]
    public async Task Get_VaryValuesDifferOnlyInWhitespace_MatchAfterNormalisation()
    {
        _h.Respond("/vary-ws", "body {call}", ("Cache-Control", "max-age=60"), ("Vary", "Accept-Language"));

        using var _ = await _h.GetAsync("/vary-ws", ("Accept-Language", "en,fr"));
        using var second = await _h.GetAsync("/vary-ws", ("Accept-Language", "en, fr"));

        Assert.Equal(1, _h.Calls("/vary-ws"));
    }

    [Fact]
    public async Task Get_VaryStar_NeverServedFromCache()
    {
        _h.Respond("/vary-star", "body {call}", ("Cache-Control", "max-age=60"), ("Vary", "*"));

        using var _ = await _h.GetAsync("/vary-star");
        using var second = await _h.GetAsync("/vary-star");

        Assert.Equal(2, _h.Calls("/vary-star"));
    }

    [Fact]
    public async Task Get_StaleWithETag_RevalidatedWith304AndStoredBodyServed()
    {
        _h.On("/etag", async (context, call) =>
        {
            context.Response.Headers.CacheControl = "max-age=10";
            context.Response.Headers.ETag = "\"v1\"";
            context.Response.Headers["X-Call"] = call.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (context.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }

            await context.Response.WriteAsync("full body");
        });

        using var _ = await _h.GetAsync("/etag");
        _h.Time.Advance(TimeSpan.FromSeconds(11));
        using var revalidated = await _h.GetAsync("/etag");
        using var afterwards = await _h.GetAsync("/etag");

        Assert.Equal(2, _h.Calls("/etag"));
        Assert.Equal("\"v1\"", _h.Received("/etag")[1]["If-None-Match"]);
        Assert.Equal(HttpStatusCode.OK, revalidated.StatusCode);
        Assert.Equal("full body", await revalidated.Content.ReadAsStringAsync());
        Assert.Contains("fwd=stale; fwd-status=304", CacheStatus(revalidated));
        Assert.Equal("2", revalidated.Headers.GetValues("X-Call").Single()); // §3.2: the 304's fields replace the stored ones
        Assert.StartsWith("Portico; hit", CacheStatus(afterwards)); // freshened by the 304
    }

    [Fact]
    public async Task Get_NoCacheResponse_RevalidatedEveryTimeWithLastModified()
    {
        var lastModified = _h.Time.GetUtcNow().AddDays(-1).ToString("R");
        _h.On("/nocache", async (context, call) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers.LastModified = lastModified;
            if (context.Request.Headers.IfModifiedSince == lastModified)
            {
                context.Response.StatusCode = 304;
                return;
            }

            await context.Response.WriteAsync("doc");
        });

        using var _ = await _h.GetAsync("/nocache");
        using var second = await _h.GetAsync("/nocache");

        Assert.Equal(2, _h.Calls("/nocache"));
        Assert.Equal(lastModified, _h.Received("/nocache")[1]["If-Modified-Since"]);
        Assert.Equal("doc", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_ClientConditionalOnFreshEntry_304FromCache()
    {
        _h.Respond("/cond", "body", ("Cache-Control", "max-age=60"), ("ETag", "\"abc\""));

        using var _ = await _h.GetAsync("/cond");
        using var conditional = await _h.GetAsync("/cond", ("If-None-Match", "W/\"abc\""));

        Assert.Equal(1, _h.Calls("/cond"));
        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
        Assert.Equal("\"abc\"", conditional.Headers.ETag!.ToString());
    }

    [Fact]
    public async Task Head_AfterGet_ServedFromStoredGetWithoutBody()
    {
        _h.Respond("/head", "twelve bytes", ("Cache-Control", "max-age=60"));

        using var _ = await _h.GetAsync("/head");
        using var head = await _h.SendAsync(HttpMethod.Head, "/head");

        Assert.Equal(1, _h.Calls("/head"));
        Assert.Equal(12, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_Successful_InvalidatesTargetAndLocation()
    {
        _h.Respond("/items", "list {call}", ("Cache-Control", "max-age=600"));
        _h.Respond("/items/7", "item {call}", ("Cache-Control", "max-age=600"));
        _h.On("/items/7/edit", (context, _) =>
        {
            context.Response.Headers.Location = "/items/7";
            return Task.CompletedTask;
        });

        using var a = await _h.GetAsync("/items");
        using var b = await _h.GetAsync("/items/7");
        using var post = await _h.SendAsync(HttpMethod.Post, "/items");
        using var put = await _h.SendAsync(HttpMethod.Put, "/items/7/edit");
        using var c = await _h.GetAsync("/items");
        using var d = await _h.GetAsync("/items/7");

        Assert.Equal(3, _h.Calls("/items")); // GET, the POST itself, GET again
        Assert.Equal("list 3", await c.Content.ReadAsStringAsync());
        Assert.Equal("item 2", await d.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_ErrorAnswer_DoesNotInvalidate()
    {
        _h.Respond("/keep", "kept {call}", ("Cache-Control", "max-age=600"));

        using var _ = await _h.GetAsync("/keep");
        _h.On("/keep", (context, _) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        using var post = await _h.SendAsync(HttpMethod.Post, "/keep");
        using var after = await _h.GetAsync("/keep");

        Assert.Equal("kept 1", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_RequestNoCache_Revalidates()
    {
        _h.Respond("/force", "body {call}", ("Cache-Control", "max-age=600"));

        using var _ = await _h.GetAsync("/force");
        using var forced = await _h.GetAsync("/force", ("Cache-Control", "no-cache"));
        using var pragma = await _h.GetAsync("/force", ("Pragma", "no-cache"));

        Assert.Equal(3, _h.Calls("/force"));
        Assert.Contains("fwd=request", CacheStatus(forced));
    }

    [Fact]
    public async Task Get_OnlyIfCachedAndNothingStored_504()
    {
        using var response = await _h.GetAsync("/never", ("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(0, _h.Calls("/never"));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Get_MaxStaleFromClient_ServesStaleUnlessMustRevalidate()
    {
        _h.Respond("/stale-ok", "body {call}", ("Cache-Control", "max-age=10"));
        _h.Respond("/stale-no", "body {call}", ("Cache-Control", "max-age=10, must-revalidate"));

        using var a = await _h.GetAsync("/stale-ok");
        using var b = await _h.GetAsync("/stale-no");
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        using var staleOk = await _h.GetAsync("/stale-ok", ("Cache-Control", "max-stale=60"));
        using var staleNo = await _h.GetAsync("/stale-no", ("Cache-Control", "max-stale=60"));

        Assert.Equal(1, _h.Calls("/stale-ok"));
        Assert.Equal(2, _h.Calls("/stale-no"));
    }

    [Fact]
    public async Task Get_ExpiresInvalid_TreatedAsStale()
    {
        _h.Respond("/expires-bad", "body {call}", ("Expires", "0"));
        _h.Respond("/expires-ok", "body {call}", ("Expires", _h.Time.GetUtcNow().AddMinutes(10).ToString("R")));

        using var a = await _h.GetAsync("/expires-bad");
        using var b = await _h.GetAsync("/expires-bad");
        using var c = await _h.GetAsync("/expires-ok");
        using var d = await _h.GetAsync("/expires-ok");

        Assert.Equal(2, _h.Calls("/expires-bad"));
        Assert.Equal(1, _h.Calls("/expires-ok"));
    }

    [Fact]
    public async Task Get_HeuristicFreshnessFromLastModified_StoredForTenPercent()
    {
        _h.Respond("/heuristic", "body {call}", ("Last-Modified", _h.Time.GetUtcNow().AddSeconds(-1000).ToString("R")));

        using var a = await _h.GetAsync("/heuristic");
        _h.Time.Advance(TimeSpan.FromSeconds(50));
        using var b = await _h.GetAsync("/heuristic");
        _h.Time.Advance(TimeSpan.FromSeconds(60));
        using var c = await _h.GetAsync("/heuristic");

        Assert.Equal(2, _h.Calls("/heuristic")); // fresh for 100 s, then revalidated (If-Modified-Since) and refetched
    }

    [Fact]
    public async Task Get_RouteWithoutCache_NoCacheStatusAndNothingStored()
    {
        _h.Respond("/plain/x", "body {call}", ("Cache-Control", "max-age=600"));

        using var a = await _h.GetAsync("/plain/x");
        using var b = await _h.GetAsync("/plain/x");

        Assert.Equal(2, _h.Calls("/plain/x"));
        Assert.False(b.Headers.Contains("Cache-Status"));
    }

    [Fact]
    public async Task Get_QueryIsPartOfKey()
    {
        _h.Respond("/q", "body {call}", ("Cache-Control", "max-age=600"));

        using var a = await _h.GetAsync("/q?x=1");
        using var b = await _h.GetAsync("/q?x=2");
        using var c = await _h.GetAsync("/q?x=1");

        Assert.Equal(2, _h.Calls("/q"));
        Assert.Equal("body 1", await c.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_ConcurrentMissesForOneKey_OneBackendCall()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.On("/coalesce", async (context, call) =>
        {
            await gate.Task;
            context.Response.Headers.CacheControl = "max-age=60";
            await context.Response.WriteAsync($"body {call}");
        });
        var coalescer = _h.Service<RequestCoalescer>();

        var requests = Enumerable.Range(0, 64).Select(_ => _h.GetAsync("/coalesce")).ToArray();
        Assert.True(await Infrastructure.Eventually.TrueAsync(() => coalescer.Waiting == 63, TimeSpan.FromSeconds(30)), $"waiting: {coalescer.Waiting}");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.Equal(1, _h.Calls("/coalesce"));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var response in responses)
        {
            Assert.Equal("body 1", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Equal(63, responses.Count(r => CacheStatus(r).Contains("collapsed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Get_ConcurrentMissesAnswerNotStorable_EachGoesToBackend()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.On("/coalesce-private", async (context, call) =>
        {
            await gate.Task;
            context.Response.Headers.CacheControl = "private";
            await context.Response.WriteAsync($"body {call}");
        });
        var coalescer = _h.Service<RequestCoalescer>();

        var requests = Enumerable.Range(0, 8).Select(_ => _h.GetAsync("/coalesce-private")).ToArray();
        Assert.True(await Infrastructure.Eventually.TrueAsync(() => coalescer.Waiting == 7, TimeSpan.FromSeconds(30)));
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.Equal(8, _h.Calls("/coalesce-private"));
        Assert.Equal(8, (await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct().Count());
    }

    [Fact]
    public async Task Get_BodyOverLimit_PassedWholeAndNotStored()
    {
        var big = new string('x', 2 * 1024 * 1024);
        _h.Respond("/big", big, ("Cache-Control", "max-age=60"));

        using var a = await _h.GetAsync("/big");
        using var b = await _h.GetAsync("/big");

        Assert.Equal(2, _h.Calls("/big"));
        Assert.Equal(big.Length, (await b.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Get_RangeRequest_PassedThroughUncached()
    {
        _h.Respond("/range", "0123456789", ("Cache-Control", "max-age=60"));

        using var a = await _h.GetAsync("/range", ("Range", "bytes=0-3"));
        using var b = await _h.GetAsync("/range");
        using var c = await _h.GetAsync("/range", ("Range", "bytes=0-3"));

        Assert.Equal(3, _h.Calls("/range"));
        Assert.Contains("fwd=bypass", CacheStatus(c));
    }

    [Fact]
    public async Task Get_SurrogateKeyHeader_RemovedFromClientResponse()
    {
        _h.Respond("/tagged", "body", ("Cache-Control", "max-age=60"), ("Surrogate-Key", "product-1 catalog"));

        using var a = await _h.GetAsync("/tagged");
        using var b = await _h.GetAsync("/tagged");

        Assert.False(a.Headers.Contains("Surrogate-Key"));
        Assert.False(b.Headers.Contains("Surrogate-Key"));
        var entry = Assert.Single(_h.Service<ResponseCache>().Entries(), e => e.Path == "/tagged");
        Assert.Equal(["product-1", "catalog"], entry.SurrogateKeys);
    }

    [Fact]
    public async Task Get_StaleWhileRevalidate_ServedStaleThenRefreshedInBackground()
    {
        _h.Respond("/swr", "body {call}", ("Cache-Control", "max-age=10, stale-while-revalidate=60"));

        using var a = await _h.GetAsync("/swr");
        _h.Time.Advance(TimeSpan.FromSeconds(20));
        using var stale = await _h.GetAsync("/swr");

        Assert.Equal("body 1", await stale.Content.ReadAsStringAsync());
        Assert.True(await Infrastructure.Eventually.TrueAsync(
            () => _h.Service<ResponseCache>().Entries().Any(e => e.Path == "/swr" && e.Body.Length == 6 && System.Text.Encoding.UTF8.GetString(e.Body) == "body 2"),
            TimeSpan.FromSeconds(10)));
        using var fresh = await _h.GetAsync("/swr");
        Assert.Equal("body 2", await fresh.Content.ReadAsStringAsync());
        Assert.Equal(2, _h.Calls("/swr"));
    }

    [Fact]
    public async Task Get_BackendFailsAndStaleIfErrorCovers_StoredResponseServed()
    {
        _h.Respond("/once/sie", "good {call}", ("Cache-Control", "max-age=10, stale-if-error=600"));

        using var a = await _h.GetAsync("/once/sie");
        _h.Time.Advance(TimeSpan.FromSeconds(20));
        _h.On("/once/sie", (context, _) =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        using var b = await _h.GetAsync("/once/sie");

        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal("good 1", await b.Content.ReadAsStringAsync());
        Assert.Contains("fwd=stale; fwd-status=503", CacheStatus(b));
    }

    [Fact]
    public async Task Get_BackendFailsWithoutStaleIfError_ErrorPassedOn()
    {
        _h.Respond("/once/nosie", "good", ("Cache-Control", "max-age=10"));

        using var a = await _h.GetAsync("/once/nosie");
        _h.Time.Advance(TimeSpan.FromSeconds(20));
        _h.On("/once/nosie", (context, _) =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        using var b = await _h.GetAsync("/once/nosie");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, b.StatusCode);
    }

    [Fact]
    public async Task Get_HugeMalformedCacheControl_ServedFromBackendNotStored()
    {
        var junk = string.Join(", ", Enumerable.Range(0, 400).Select(i => $"x{i}=\"unterminated"));
        _h.Respond("/junk", "body {call}", ("Cache-Control", "max-age=60, " + junk));

        using var a = await _h.GetAsync("/junk");
        using var b = await _h.GetAsync("/junk", ("Cache-Control", junk));

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
    }

    [Fact]
    public async Task Get_VaryOnHundredsOfHeaders_NotStored()
    {
        var names = string.Join(", ", Enumerable.Range(0, 300).Select(i => $"X-H{i}"));
        _h.Respond("/wide", "body {call}", ("Cache-Control", "max-age=60"), ("Vary", names));

        using var a = await _h.GetAsync("/wide");
        using var b = await _h.GetAsync("/wide");

        Assert.Equal(2, _h.Calls("/wide"));
        Assert.Contains("detail=vary", CacheStatus(b));
    }
}
