using Portico.Tests.Infrastructure;

namespace Portico.Tests.Proxy;

/// <summary>What path and query the backend receives for each rewrite mode.</summary>
public sealed class PathRewriteTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [
            { "id": "plain", "url": "{{_backend.Url}}" },
            { "id": "based", "url": "{{_backend.Url}}/base/" }
          ],
          "routes": [
            { "id": "as-is",    "auth": "anonymous", "match": { "path": "/as-is/{**rest}" },        "backend": "plain" },
            { "id": "strip",    "auth": "anonymous", "match": { "path": "/api/v1/{**rest}" },       "backend": "plain", "rewrite": { "stripPrefix": "/api/v1" } },
            { "id": "template", "auth": "anonymous", "match": { "path": "/users/{id}/orders/{**rest}" }, "backend": "plain", "rewrite": { "path": "/v2/customers/{id}/o/{**rest}" } },
            { "id": "based",    "auth": "anonymous", "match": { "path": "/based/{**rest}" },        "backend": "based", "rewrite": { "stripPrefix": "/based" } },
            { "id": "strip-all","auth": "anonymous", "match": { "path": "/only" },                  "backend": "plain", "rewrite": { "stripPrefix": "/only" } },
            { "id": "files",    "auth": "anonymous", "match": { "path": "/files/{name}.{ext}" },    "backend": "plain", "rewrite": { "path": "/f/{ext}/{name}" } },
            { "id": "page",     "auth": "anonymous", "match": { "path": "/page/{n=1}" },            "backend": "plain", "rewrite": { "path": "/p/{n}" } },
            { "id": "mixed",    "auth": "anonymous", "match": { "path": "/mixed/v{version}/{id}" }, "backend": "plain", "rewrite": { "path": "/{id}/at/{version}" } }
          ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("/as-is/a/b?x=1&y=2", "/as-is/a/b", "?x=1&y=2")]
    [InlineData("/api/v1/users/42?expand=orders", "/users/42", "?expand=orders")]
    [InlineData("/API/V1/users", "/users", "")]
    [InlineData("/users/42/orders/2024/07?page=2", "/v2/customers/42/o/2024/07", "?page=2")]
    [InlineData("/based/items/7", "/base/items/7", "")]
    [InlineData("/only?q=1", "/", "?q=1")]
    public async Task Forward_RewriteMode_BackendReceivesRewrittenPathAndOriginalQuery(string requestPath, string expectedPath, string expectedQuery)
    {
        using var response = await _gateway.Client.GetAsync(requestPath);
        response.EnsureSuccessStatusCode();
        Assert.Equal(expectedPath, _backend.LastRequest.Path);
        Assert.Equal(expectedQuery, _backend.LastRequest.Query);
    }

    [Fact]
    public async Task Forward_EncodedCharactersInPath_ArePreservedNotDecodedTwice()
    {
        using var response = await _gateway.Client.GetAsync("/users/a%20b/orders/x%2Fy");
        response.EnsureSuccessStatusCode();
        // Kestrel hands the gateway "a b" and leaves %2F alone; the backend must see the same request the client sent.
        Assert.Equal("/v2/customers/a%20b/o/x%2Fy", _backend.LastRequest.RawTarget);
        Assert.Equal("/v2/customers/a b/o/x%2Fy", _backend.LastRequest.Path);
    }

    [Theory]
    // No rewrite: the path and query bytes as sent, whatever they encode.
    [InlineData("/as-is/a%2Fb", "/as-is/a%2Fb")]
    [InlineData("/as-is/a%2fb", "/as-is/a%2fb")]
    [InlineData("/as-is/a%3Bb%3bc", "/as-is/a%3Bb%3bc")]
    [InlineData("/as-is/a%25b/%252F", "/as-is/a%25b/%252F")]
    [InlineData("/as-is/caf%C3%A9/%e2%82%ac", "/as-is/caf%C3%A9/%e2%82%ac")]
    [InlineData("/as-is/%41%7e%2D/a.b/...", "/as-is/%41%7e%2D/a.b/...")]
    [InlineData("/as-is/a:b@c!$&'()*+,=", "/as-is/a:b@c!$&'()*+,=")]
    [InlineData("/as-is/x?q=%41&r=%2F&s=a%20b&t=%zz", "/as-is/x?q=%41&r=%2F&s=a%20b&t=%zz")]
    [InlineData("/as-is/x?", "/as-is/x?")]
    [InlineData("/as-is/trailing/", "/as-is/trailing/")]
    // Prefix stripped: the rest exactly as sent, even when the prefix itself was percent-encoded.
    [InlineData("/api/v1/a%2Fb?q=%41", "/a%2Fb?q=%41")]
    [InlineData("/ap%69/V1/users/a%2fb", "/users/a%2fb")]
    [InlineData("/based/a%2Fb%3B", "/base/a%2Fb%3B")]
    // Template: each value exactly as it was sent, in its new place.
    [InlineData("/users/a%2Fb/orders/x%2Fy/z%3B", "/v2/customers/a%2Fb/o/x%2Fy/z%3B")]
    [InlineData("/users/caf%C3%A9/orders/%25", "/v2/customers/caf%C3%A9/o/%25")]
    [InlineData("/files/a%2Fb.tar.gz", "/f/gz/a%2Fb.tar")]
    [InlineData("/files/caf%C3%A9%2E.t%78t", "/f/t%78t/caf%C3%A9%2E")]
    [InlineData("/mixed/v%32/a%2Fb", "/a%2Fb/at/%32")]
    [InlineData("/page", "/p/1")]
    [InlineData("/page/%31%30", "/p/%31%30")]
    public async Task Forward_PercentEncodedPath_BackendSeesTheClientsBytes(string target, string expected)
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET {target} HTTP/1.1\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Equal(expected, _backend.LastRequest.RawTarget);
    }
}
