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
            { "id": "strip-all","auth": "anonymous", "match": { "path": "/only" },                  "backend": "plain", "rewrite": { "stripPrefix": "/only" } }
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
        Assert.Equal("/v2/customers/a b/o/x%2Fy", _backend.LastRequest.Path);
    }
}
