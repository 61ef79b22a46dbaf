using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Dispatch;

/// <summary>Routes answered by the gateway itself.</summary>
public sealed class StaticResponseTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartWithFileAsync("""
    {
      "routes": [
        { "id": "maintenance", "auth": "anonymous", "match": { "path": "/old/{**rest}" },
          "static": { "status": 503, "headers": { "Retry-After": "120", "X-Reason": "maintenance" }, "body": "Back soon." } },
        { "id": "mock", "auth": "anonymous", "match": { "path": "/mock/user", "methods": ["GET", "HEAD"] },
          "static": { "json": { "id": 1, "name": "Grace", "tags": ["a", "b"] } } },
        { "id": "gone", "auth": "anonymous", "match": { "path": "/gone" }, "static": { "status": 410 } },
        { "id": "no-content", "auth": "anonymous", "match": { "path": "/ping" }, "static": { "status": 204 } },
        { "id": "html", "auth": "anonymous", "match": { "path": "/page" }, "static": { "contentType": "text/html; charset=utf-8", "body": "<h1>Hi</h1>" } }
      ]
    }
    """);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Static_MaintenancePage_AnswersStatusHeadersAndBody()
    {
        using var response = await _gateway.Client.GetAsync("/old/anything");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("120", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("maintenance", response.Headers.GetValues("X-Reason").Single());
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("Back soon.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Static_JsonMock_AnswersCompactJson()
    {
        using var response = await _gateway.Client.GetAsync("/mock/user");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"id":1,"name":"Grace","tags":["a","b"]}""" + "\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Static_Head_AnswersHeadersWithoutBody()
    {
        using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/mock/user"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(41, response.Content.Headers.ContentLength); // the JSON and its final newline
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/gone", HttpStatusCode.Gone)]
    [InlineData("/ping", HttpStatusCode.NoContent)]
    public async Task Static_StatusOnly_AnswersEmptyBody(string path, HttpStatusCode status)
    {
        using var response = await _gateway.Client.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Static_CustomContentType_IsUsed()
    {
        using var response = await _gateway.Client.GetAsync("/page");
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("<h1>Hi</h1>", await response.Content.ReadAsStringAsync());
    }
}
