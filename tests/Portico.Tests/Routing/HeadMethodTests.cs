using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Routing;

/// <summary>A route that allows GET allows HEAD (RFC 9110 §9.3.2): the same status and headers, no body (issue 22).</summary>
public sealed class HeadMethodTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 13;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.WriteAsync("""{"id":"42"}  """);
            }
        });
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [
            { "id": "proxy", "auth": "anonymous", "match": { "path": "/proxy", "methods": ["GET"] }, "backend": "b" },
            { "id": "static", "auth": "anonymous", "match": { "path": "/static", "methods": ["get"] }, "static": { "body": "hello" } },
            { "id": "composite", "auth": "anonymous", "match": { "path": "/composite", "methods": ["GET"] },
              "aggregate": { "parts": [ { "name": "user", "backend": "b", "path": "/users/42" } ] } },
            { "id": "post-only", "auth": "anonymous", "match": { "path": "/post", "methods": ["POST"] }, "static": { "body": "posted" } }
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
    [InlineData("/proxy")]
    [InlineData("/static")]
    [InlineData("/composite")]
    public async Task Head_RouteAllowingGet_AnswersTheGetHeadersWithoutABody(string path)
    {
        using var get = await _gateway.Client.GetAsync(path);
        using var head = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Head_ProxyRoute_ReachesTheBackendAsHead()
    {
        using var head = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/proxy"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("HEAD", _backend.LastRequest.Method);
    }

    [Fact]
    public async Task Head_RouteWithoutGet_Answers405WithoutHeadInAllow()
    {
        using var head = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/post"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Equal("POST", string.Join(", ", head.Content.Headers.Allow));
    }

    [Fact]
    public async Task Post_RouteAllowingGet_405ListsHead()
    {
        using var response = await _gateway.Client.PostAsync("/static", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
    }
}
