using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Routing;

/// <summary>Which route answers when several match: each route here is a static response naming itself.</summary>
public sealed class RoutePrecedenceTests : IAsyncLifetime
{
    private const string Registry = """
    {
      "routes": [
        { "id": "catch-all",      "auth": "anonymous", "match": { "path": "/files/{**rest}" },                       "static": { "body": "catch-all" } },
        { "id": "param",          "auth": "anonymous", "match": { "path": "/files/{name}" },                         "static": { "body": "param" } },
        { "id": "int-param",      "auth": "anonymous", "match": { "path": "/files/{id:int}" },                       "static": { "body": "int-param" } },
        { "id": "literal",        "auth": "anonymous", "match": { "path": "/files/readme" },                         "static": { "body": "literal" } },
        { "id": "root-param",     "auth": "anonymous", "match": { "path": "/{section}/readme" },                     "static": { "body": "root-param" } },
        { "id": "tie-low",        "auth": "anonymous", "match": { "path": "/tie/{a}" },                              "static": { "body": "tie-low" } },
        { "id": "tie-high",       "auth": "anonymous", "match": { "path": "/tie/{b}", "priority": 10 },              "static": { "body": "tie-high" } },
        { "id": "any-host",       "auth": "anonymous", "match": { "path": "/hosted" },                               "static": { "body": "any-host" } },
        { "id": "exact-host",     "auth": "anonymous", "match": { "path": "/hosted", "hosts": ["api.example.com"] }, "static": { "body": "exact-host" } },
        { "id": "wild-host",      "auth": "anonymous", "match": { "path": "/hosted", "hosts": ["*.example.org"] },   "static": { "body": "wild-host" } },
        { "id": "any-method",     "auth": "anonymous", "match": { "path": "/items" },                                "static": { "body": "any-method" } },
        { "id": "post-only",      "auth": "anonymous", "match": { "path": "/items", "methods": ["POST"] },           "static": { "body": "post-only" } },
        { "id": "get-put",        "auth": "anonymous", "match": { "path": "/things/{id}", "methods": ["GET", "put"] }, "static": { "body": "get-put" } },
        { "id": "root",           "auth": "anonymous", "match": { "path": "/" },                                     "static": { "body": "root" } }
      ]
    }
    """;

    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartWithFileAsync(Registry);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("/files/readme", "literal")]
    [InlineData("/FILES/README", "literal")]
    [InlineData("/files/42", "int-param")]
    [InlineData("/files/report", "param")]
    [InlineData("/files/a/b/c", "catch-all")]
    [InlineData("/files", "catch-all")]
    [InlineData("/docs/readme", "root-param")]
    [InlineData("/tie/x", "tie-high")]
    [InlineData("/", "root")]
    public async Task Match_OverlappingTemplates_MostSpecificWins(string path, string expected)
    {
        var body = await _gateway.Client.GetStringAsync(path);
        Assert.Equal(expected, body);
    }

    [Theory]
    [InlineData("api.example.com", "exact-host")]
    [InlineData("API.EXAMPLE.COM", "exact-host")]
    [InlineData("eu.example.org", "wild-host")]
    [InlineData("example.org", "any-host")]
    [InlineData("other.test", "any-host")]
    public async Task Match_HostConstraints_HostSpecificRouteWins(string host, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hosted");
        request.Headers.Host = host;
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("POST", "post-only")]
    [InlineData("GET", "any-method")]
    [InlineData("DELETE", "any-method")]
    public async Task Match_MethodConstraints_MethodSpecificRouteWins(string method, string expected)
    {
        using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/items"));
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Match_PathMatchesButMethodDoesNot_Answers405WithAllow()
    {
        using var response = await _gateway.Client.PostAsync("/things/1", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, HEAD, PUT", string.Join(", ", response.Content.Headers.Allow)); // HEAD comes with GET (RFC 9110 §9.3.2)
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Match_NoRoute_Answers404ProblemJson()
    {
        using var response = await _gateway.Client.GetAsync("/nothing/here/at/all");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "route-not-found");
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }
}
