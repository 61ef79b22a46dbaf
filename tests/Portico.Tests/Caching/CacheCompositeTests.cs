using System.Net;

namespace Portico.Tests.Caching;

/// <summary>Composite routes cache only with a cache block of their own (opt-in); the composed answer is what is stored.</summary>
public sealed class CacheCompositeTests : IAsyncLifetime
{
    private CachingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CachingHarness.StartAsync("""
        {
          "backends": [ { "id": "origin", "url": "{backend}", "cache": { "defaultTtl": "60s" } } ],
          "routes": [
            { "id": "home", "auth": "anonymous", "match": { "path": "/home/{id}", "methods": [ "GET" ] },
              "aggregate": { "parts": [ { "name": "profile", "backend": "origin", "path": "/profile/{route.id}" } ] },
              "cache": { "defaultTtl": "60s" } },
            { "id": "feed", "auth": "anonymous", "match": { "path": "/feed/{id}", "methods": [ "GET" ] },
              "aggregate": { "parts": [ { "name": "profile", "backend": "origin", "path": "/profile/{route.id}" } ] } }
          ]
        }
        """);
        _h.Respond("/profile/1", """{"call":{call}}""", ("Content-Type", "application/json"));
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<(string Body, string CacheStatus)> GetAsync(string path)
    {
        using var response = await _h.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";
        return (await response.Content.ReadAsStringAsync(), status);
    }

    [Fact]
    public async Task Get_CompositeRouteWithCacheBlock_SecondAnswerFromTheCache()
    {
        var first = await GetAsync("/home/1");
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await GetAsync("/home/1");

        Assert.Equal("""{"profile":{"call":1}}""" + "\n", first.Body);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1, _h.Calls("/profile/1"));
        // 60 s of freshness, 30 s later; Date has whole seconds, so up to one more second of age.
        Assert.Matches(@"^Portico; hit; ttl=(29|30)(;|$)", second.CacheStatus);
    }

    [Fact]
    public async Task Get_CompositeRouteWithoutItsOwnBlock_NotCachedEvenWhenItsBackendCaches()
    {
        var first = await GetAsync("/feed/1");
        var second = await GetAsync("/feed/1");

        Assert.Equal(2, _h.Calls("/profile/1"));
        Assert.Equal("", second.CacheStatus);
        Assert.NotEqual(first.Body, second.Body);
    }
}
