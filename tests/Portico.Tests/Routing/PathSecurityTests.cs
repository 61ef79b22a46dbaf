using Portico.Tests.Infrastructure;

namespace Portico.Tests.Routing;

/// <summary>
/// Paths a gateway and a backend could read differently are refused before any route is matched, so a path can never
/// match one route at the gateway and be served as another by the backend (a classic gateway bypass).
/// </summary>
public sealed class PathSecurityTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        // A protected prefix and a public catch-all on the same backend: the layout a bypass needs.
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [
            { "id": "admin",  "auth": "keys",      "match": { "path": "/admin/{**rest}" },  "backend": "b" },
            { "id": "public", "auth": "anonymous", "match": { "path": "/public/{**rest}" }, "backend": "b" },
            { "id": "api",    "auth": "anonymous", "match": { "path": "/api/{**rest}" },    "backend": "b", "rewrite": { "stripPrefix": "/api" } },
            { "id": "rest",   "auth": "anonymous", "match": { "path": "/{**rest}" },        "backend": "b" }
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
    // Malformed percent-encoding: backends decode it in different ways (or, like IIS's %u, into dots and slashes).
    [InlineData("/public/a%zz")]
    [InlineData("/public/a%")]
    [InlineData("/public/a%2")]
    [InlineData("/public/%u002e%u002e/admin")]
    // Octets that are not UTF-8, overlong forms (%C0%AF is an overlong '/') and encoded surrogates.
    [InlineData("/public/%FF")]
    [InlineData("/public/%C0%AF")]
    [InlineData("/public/%E0%80%AF")]
    [InlineData("/public/%ED%A0%80")]
    [InlineData("/public/%C3")]
    [InlineData("/public/%C3x")]
    // Control characters, raw or encoded (an encoded CR LF ends up in logs and redirects).
    [InlineData("/public/a%00b")]
    [InlineData("/public/a%0D%0Ab")]
    [InlineData("/public/a%7Fb")]
    [InlineData("/public/a\u0001b")]
    [InlineData("/public/a\u007Fb")]
    // Backslashes, which some servers read as '/'.
    [InlineData("/public/..\\admin")]
    [InlineData("/public/a\\b")]
    // Dot segments, raw or encoded, alone or behind an encoded separator or a matrix parameter.
    [InlineData("/public/../admin")]
    [InlineData("/public/./x")]
    [InlineData("/public/x/..")]
    [InlineData("/public/%2e%2e/admin")]
    [InlineData("/public/.%2E/admin")]
    [InlineData("/public/%2e/x")]
    [InlineData("/public/..%2Fadmin")]
    [InlineData("/public/..%2fadmin")]
    [InlineData("/public/x%2F..%2F..%2Fadmin")]
    [InlineData("/public/..%5Cadmin")]
    [InlineData("/public/..%3Badmin")]
    [InlineData("/public/%2e%2e%3bjsessionid=1/admin")]
    // Matrix parameters (Tomcat and Spring strip them before routing: /admin;x/secret is /admin/secret there).
    [InlineData("/public/..;/admin")]
    [InlineData("/admin;x/secret")]
    [InlineData("/public;x/../admin")]
    [InlineData("/public/file;jsessionid=ABC")]
    // Empty segments, which many servers merge (//admin is /admin there).
    [InlineData("//admin/secret")]
    [InlineData("/public//admin")]
    // Characters that Unicode normalization (NFKC) or Windows' best-fit mapping turn into '.', '/' or ''.
    [InlineData("/public/%EF%BC%8E%EF%BC%8E/admin")]
    [InlineData("/public/..%EF%BC%8Fadmin")]
    [InlineData("/public/..%EF%BC%BCadmin")]
    [InlineData("/public/..%E2%88%95admin")]
    [InlineData("/public/..%EF%B9%A8admin")]
    public async Task Request_AmbiguousPath_Answers400BeforeAnyRoute(string target)
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET {target} HTTP/1.1\nConnection: close");

        Assert.Equal(400, response.Status);
        if (response.Header("Content-Type") is not null)
        {
            var problem = response.Problem("invalid-path");
            Assert.DoesNotContain("admin", problem.ToString(), StringComparison.Ordinal); // the path is not echoed
        }

        Assert.Equal(0, _backend.Count);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1")]
    [InlineData("GET http://{authority}/public/a%2Fb HTTP/1.1")]
    public async Task Request_TargetWhosePathKestrelRewrites_Answers400(string requestLine)
    {
        // The asterisk form has no path to forward; in the absolute form Kestrel decodes %2F, so the path it matches
        // on no longer has the segments the client sent.
        var line = requestLine.Replace("{authority}", new Uri(_gateway.Url).Authority, StringComparison.Ordinal);
        var response = await RawHttp.SendAsync(_gateway.Url, $"{line}\nConnection: close");

        Assert.Equal(400, response.Status);
        response.Problem("invalid-path");
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Request_AbsoluteFormTarget_ForwardsItsPathAndQuery()
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET {_gateway.Url}/public/a%3Bb?q=%41 HTTP/1.1\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Equal("/public/a%3Bb?q=%41", _backend.LastRequest.RawTarget);
    }

    [Theory]
    [InlineData("/public/..%2Fadmin/secret")]
    [InlineData("/public/%2e%2e/admin/secret")]
    [InlineData("/public/%2E%2E%2Fadmin%2Fsecret")]
    [InlineData("/public/..;/admin/secret")]
    [InlineData("/public/..%3B/admin/secret")]
    [InlineData("/public/..\\admin/secret")]
    [InlineData("/public/..%5Cadmin/secret")]
    [InlineData("/public;x/../admin/secret")]
    [InlineData("/public/../admin/secret")]
    [InlineData("/api/..%2Fadmin/secret")]
    [InlineData("/api/%2e%2e/admin/secret")]
    [InlineData("/admin;/secret")]
    [InlineData("/admin;x=1/secret")]
    [InlineData("//admin/secret")]
    [InlineData("/x/../admin/secret")]
    [InlineData("/%2e%2e/admin/secret")]
    [InlineData("/ADMIN/secret")]
    [InlineData("/%61dmin/secret")]
    [InlineData("/admin/secret")]
    public async Task Request_PathAimedAtTheProtectedPrefix_NeverReachesItWithoutCredentials(string target)
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET {target} HTTP/1.1\nConnection: close");

        // Refused as ambiguous, or matched to the protected route and refused there: never served by the backend.
        Assert.True(response.Status is 400 or 401, $"{target} answered {response.Status}");
        Assert.DoesNotContain(_backend.Requests, r => r.Path.TrimStart('/').StartsWith("admin", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/public/a.b/c..d/...")]
    [InlineData("/public/.well-known/x")]
    [InlineData("/public/a%2Fb")]
    [InlineData("/public/a%3Bb")]
    [InlineData("/public/a%5Cb")]
    [InlineData("/public/a%25b")]
    [InlineData("/public/100%2525")]
    [InlineData("/public/%252")]
    [InlineData("/public/%252F")]
    [InlineData("/public/caf%C3%A9/%E2%82%AC")]
    [InlineData("/public/trailing/")]
    [InlineData("/")]
    public async Task Request_UnambiguousPath_IsForwardedAsSent(string target)
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET {target} HTTP/1.1\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Equal(target, _backend.LastRequest.RawTarget);
    }
}
