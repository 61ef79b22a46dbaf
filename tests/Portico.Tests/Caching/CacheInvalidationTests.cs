using System.Net;

namespace Portico.Tests.Caching;

/// <summary>
/// RFC 9111 §4.4 when reads and writes of one URL go through different routes: the write route has no cache block of
/// its own, and a read route keys on some query parameters only. The write still invalidates what the reads stored.
/// </summary>
public sealed class CacheInvalidationTests : IAsyncLifetime
{
    private CachingHarness _h = null!;

    public async Task InitializeAsync() => _h = await CachingHarness.StartAsync("""
    {
      "backends": [ { "id": "origin", "url": "{backend}" } ],
      "routes": [
        { "id": "write", "auth": "anonymous", "match": { "path": "/{**rest}", "methods": [ "POST", "PUT", "PATCH", "DELETE" ] }, "backend": "origin" },
        { "id": "search", "auth": "anonymous", "match": { "path": "/search", "methods": [ "GET", "HEAD" ] }, "backend": "origin", "cache": { "keyQuery": [ "q" ] } },
        { "id": "read", "auth": "anonymous", "match": { "path": "/{**rest}", "methods": [ "GET", "HEAD" ] }, "backend": "origin", "cache": {} }
      ]
    }
    """);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<string> GetBodyAsync(string path)
    {
        using var response = await _h.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task UnsafeMethod_OnARouteWithoutCache_InvalidatesTheUrlOfTheReadRoute(string method)
    {
        _h.Respond("/items/7", "item {call}", ("Cache-Control", "max-age=600"));
        Assert.Equal("item 1", await GetBodyAsync("/items/7"));
        Assert.Equal("item 1", await GetBodyAsync("/items/7"));

        using var write = await _h.SendAsync(new HttpMethod(method), "/items/7");
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);

        Assert.Equal("item 3", await GetBodyAsync("/items/7")); // GET, the write itself, GET again
    }

    [Theory]
    [InlineData("/items/8", "/items/8")]
    [InlineData("/items/caf%C3%A9%20noir", "/items/caf%C3%A9%20noir")] // the key holds the decoded path, as the request's
    [InlineData("/items/caf%C3%A9%20noir", "http://{authority}/items/caf%C3%A9%20noir")]
    public async Task Post_OnARouteWithoutCache_InvalidatesTheSameOriginLocation(string path, string location)
    {
        var decoded = Uri.UnescapeDataString(path);
        _h.Respond(decoded, "item {call}", ("Cache-Control", "max-age=600"));
        _h.On("/items", (context, _) =>
        {
            context.Response.StatusCode = 201;
            context.Response.Headers.Location = location.Replace("{authority}", new Uri(_h.Gateway.Url).Authority, StringComparison.Ordinal);
            return Task.CompletedTask;
        });
        Assert.Equal("item 1", await GetBodyAsync(path));
        Assert.Equal("item 1", await GetBodyAsync(path));

        using var post = await _h.SendAsync(HttpMethod.Post, "/items");
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);

        Assert.Equal("item 2", await GetBodyAsync(path));
    }

    [Fact]
    public async Task Post_LocationOnAnotherHost_InvalidatesNothingThere()
    {
        _h.Respond("/items/10", "item {call}", ("Cache-Control", "max-age=600"));
        _h.On("/items", (context, _) =>
        {
            context.Response.StatusCode = 201;
            context.Response.Headers.Location = "http://elsewhere.example/items/10";
            return Task.CompletedTask;
        });
        Assert.Equal("item 1", await GetBodyAsync("/items/10"));

        using var post = await _h.SendAsync(HttpMethod.Post, "/items");

        Assert.Equal("item 1", await GetBodyAsync("/items/10"));
    }

    [Fact]
    public async Task UnsafeMethod_UrlOfARouteKeyedOnSomeQueryParameters_InvalidatesItsEntry()
    {
        _h.Respond("/search", "results {call}", ("Cache-Control", "max-age=600"));
        Assert.Equal("results 1", await GetBodyAsync("/search?q=shoes&utm=mail"));
        Assert.Equal("results 1", await GetBodyAsync("/search?q=shoes&utm=web")); // utm is not in the key

        using var write = await _h.SendAsync(HttpMethod.Delete, "/search?utm=x&q=shoes");

        Assert.Equal("results 3", await GetBodyAsync("/search?q=shoes"));
    }

    [Fact]
    public async Task UnsafeMethod_ErrorAnswerOnARouteWithoutCache_InvalidatesNothing()
    {
        _h.Respond("/items/9", "item {call}", ("Cache-Control", "max-age=600"));
        Assert.Equal("item 1", await GetBodyAsync("/items/9"));
        _h.On("/items/9", (context, _) =>
        {
            context.Response.StatusCode = 409;
            return Task.CompletedTask;
        });

        using var write = await _h.SendAsync(HttpMethod.Put, "/items/9");
        Assert.Equal(HttpStatusCode.Conflict, write.StatusCode);
        _h.Respond("/items/9", "item {call}", ("Cache-Control", "max-age=600"));

        Assert.Equal("item 1", await GetBodyAsync("/items/9"));
    }
}
