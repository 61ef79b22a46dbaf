using Microsoft.AspNetCore.Http;
using System.Net;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.Cors;

/// <summary>
/// CORS per route, following the Fetch standard's protocol (issue 17, item 10): preflights answered at the gateway
/// before authentication and per-address limits, grants only for allowed origins, the backend's own
/// <c>Access-Control-*</c> headers replaced, <c>Vary: Origin</c> wherever the answer depends on the origin.
/// </summary>
public sealed class CorsTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private TestAuthorizationServer _idp = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        // A backend with its own (too generous) CORS headers, which the gateway must not pass on.
        _backend = await TestBackend.StartAsync(async context =>
        {
            var headers = context.Response.Headers;
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlAllowMethods = "*";
            headers.AccessControlAllowCredentials = "true";
            headers.Vary = "Accept-Encoding";
            headers["X-Total-Count"] = "7";
            await context.Response.WriteAsync("ok");
        });
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private string Registry(string cors) => $$"""
    {
      "authPolicies": [ { "id": "opaque", "type": "introspection", "introspection": { "endpoint": {{J(_idp.IntrospectionUrl)}},
        "requireHttps": false, "clientId": "{{TestAuthorizationServer.ClientId}}", "clientSecretSetting": "Introspection:Secret" } } ],
      "backends": [ { "id": "b", "url": {{J(_backend.Url)}} } ],
      "routes": [
        { "id": "api", "auth": "opaque", "match": { "path": "/api/{**rest}", "methods": [ "GET", "PUT", "DELETE" ] }, "backend": "b",
          "addressRateLimit": { "requests": 1, "per": "1h" }, "cors": {{cors}} },
        { "id": "public", "auth": "anonymous", "match": { "path": "/public" }, "backend": "b", "cors": { "allowOrigins": [ "*" ], "exposeHeaders": [ "X-Total-Count" ] } },
        { "id": "plain", "auth": "anonymous", "match": { "path": "/plain" }, "backend": "b" }
      ]
    }
    """;

    private const string AppCors = """
        { "allowOrigins": [ "https://app.example.com", "https://*.tenants.example.com", "http://localhost:3000" ],
          "allowHeaders": [ "Content-Type", "Authorization" ], "exposeHeaders": [ "X-Total-Count" ], "allowCredentials": true, "maxAge": "2h" }
        """;

    private Task<GatewayHost> StartAsync(string cors = AppCors) =>
        GatewayHost.StartWithFileAsync(Registry(cors), new Dictionary<string, string?> { ["Introspection:Secret"] = TestAuthorizationServer.ClientSecret });

    private static Task<HttpResponseMessage> PreflightAsync(GatewayHost gateway, string path, string origin, string method, string? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return gateway.Client.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    private static string[] VaryOf(HttpResponseMessage response) =>
        [.. response.Headers.Vary.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://eu.tenants.example.com")]
    [InlineData("https://a.b.tenants.example.com")]
    [InlineData("http://localhost:3000")]
    public async Task Preflight_AllowedOrigin_204GrantAnsweredBeforeAuthenticationAndLimits(string origin)
    {
        await using var gateway = await StartAsync();
        var introspections = _idp.IntrospectionCalls;

        // More preflights than the route's address rate allows: none is counted, none needs credentials.
        for (int i = 0; i < 3; i++)
        {
            using var response = await PreflightAsync(gateway, "/api/orders/7", origin, "PUT", "content-type,authorization");

            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
            Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
            Assert.Equal("GET, PUT, DELETE", Header(response, "Access-Control-Allow-Methods"));
            Assert.Equal("content-type,authorization", Header(response, "Access-Control-Allow-Headers"));
            Assert.Equal("7200", Header(response, "Access-Control-Max-Age"));
            Assert.Contains("Origin", VaryOf(response));
            Assert.Null(Header(response, "Access-Control-Expose-Headers")); // not a preflight field
        }

        Assert.Equal(introspections, _idp.IntrospectionCalls);
        Assert.Equal(0, _backend.Count);
        using var actual = await GetAsync(gateway.Client, "/api/orders/7", ("Origin", origin));
        Assert.Equal(HttpStatusCode.Unauthorized, actual.StatusCode); // the first real request is the first the limit counts
    }

    [Theory]
    [InlineData("https://evil.example.net")]
    [InlineData("https://tenants.example.com")] // the pattern needs a subdomain
    [InlineData("http://eu.tenants.example.com")] // another scheme
    [InlineData("https://eu.tenants.example.com.evil.net")]
    [InlineData("https://app.example.com:8443")] // another port
    [InlineData("https://evil.net#.tenants.example.com")]
    [InlineData("null")]
    public async Task Preflight_DisallowedOrigin_403WithoutAnyGrant(string origin)
    {
        await using var gateway = await StartAsync();

        using var response = await PreflightAsync(gateway, "/api/orders/7", origin, "PUT");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "cors-preflight-refused");
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Origin", VaryOf(response));
        Assert.Equal(0, _backend.Count);
    }

    [Theory]
    [InlineData("DELETE", null, "'DELETE'")] // the route takes DELETE, but not cross-origin
    [InlineData("PUT", "content-type, x-debug", "'x-debug'")]
    public async Task Preflight_MethodOrHeaderNotAllowed_403NamingIt(string method, string? headers, string named)
    {
        await using var gateway = await StartAsync("""{ "allowOrigins": [ "https://app.example.com" ], "allowMethods": [ "GET", "PUT" ], "allowHeaders": [ "content-type" ] }""");

        using var response = await PreflightAsync(gateway, "/api/x", "https://app.example.com", method, headers);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "cors-preflight-refused");
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Preflight_ForAMethodNoRouteTakes_NoGrant()
    {
        await using var gateway = await StartAsync();

        using var response = await PreflightAsync(gateway, "/api/x", "https://app.example.com", "PATCH");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ActualRequest_AllowedOrigin_BackendsCorsHeadersReplacedByTheGrant()
    {
        await using var gateway = await StartAsync();

        using var response = await GetAsync(gateway.Client, "/public", ("Origin", "https://anyone.example.org"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("X-Total-Count", Header(response, "Access-Control-Expose-Headers"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials")); // the backend's, removed
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal(["Accept-Encoding"], VaryOf(response)); // '*' for everyone does not depend on the origin
    }

    [Fact]
    public async Task ActualRequest_CredentialedRoute_ExactOriginEchoedWithVaryOriginAndTheGrantOnA401Too()
    {
        await using var gateway = await StartAsync();

        using var response = await GetAsync(gateway.Client, "/api/orders", ("Origin", "https://app.example.com"));

        // Refused by authentication, still readable by the page, so it can tell the user to sign in.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("https://app.example.com", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", VaryOf(response));
    }

    [Theory]
    [InlineData("https://evil.example.net")]
    [InlineData(null)]
    public async Task ActualRequest_DisallowedOrNoOrigin_NoGrantAndTheBackendsHeadersRemoved(string? origin)
    {
        await using var gateway = await StartAsync("""{ "allowOrigins": [ "https://app.example.com" ] }""");
        var token = "opaque-" + Guid.NewGuid().ToString("N");
        _idp.SetIntrospection(token, new System.Text.Json.Nodes.JsonObject { ["active"] = true, ["sub"] = "u", ["exp"] = TestTokens.Unix(TimeProvider.System.GetUtcNow().AddMinutes(5)) });

        using var response = origin is null
            ? await GetAsync(gateway.Client, "/api/x", Bearer(token))
            : await GetAsync(gateway.Client, "/api/x", Bearer(token), ("Origin", origin));

        // CORS is the browser's to enforce: the request is served, the page just may not read it.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _backend.Count);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["Accept-Encoding", "Origin"], VaryOf(response));
    }

    [Fact]
    public async Task ActualRequest_BackendVaryNamesALookAlikeHeader_OriginStillAdded()
    {
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.Headers.Vary = "X-Origin-Id";
            await context.Response.WriteAsync("ok");
        });
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        { "backends": [ { "id": "b", "url": {{J(backend.Url)}} } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "backend": "b", "cors": { "allowOrigins": [ "https://app.example.com" ] } } ] }
        """);

        using var response = await GetAsync(gateway.Client, "/r", ("Origin", "https://app.example.com"));

        Assert.Equal(["X-Origin-Id", "Origin"], VaryOf(response));
    }

    [Fact]
    public async Task Route_WithoutCors_BackendsHeadersPassAndOptionsIsNotAPreflight()
    {
        await using var gateway = await StartAsync();

        using var response = await GetAsync(gateway.Client, "/plain", ("Origin", "https://app.example.com"));
        using var preflight = await PreflightAsync(gateway, "/plain", "https://app.example.com", "GET");

        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin")); // not CORS-managed: the backend's own
        Assert.Equal(HttpStatusCode.OK, preflight.StatusCode); // forwarded as any OPTIONS request
        Assert.Equal(2, _backend.Count);
    }

    [Theory]
    [InlineData("""{ "allowOrigins": [ "*" ], "allowCredentials": true }""", "cors.allowCredentials", "wildcard")]
    [InlineData("""{ "allowOrigins": [ "https://app.example.com/" ] }""", "cors.allowOrigins[0]", "no path")]
    [InlineData("""{ "allowOrigins": [ "https://a.example.com", "null" ] }""", "cors.allowOrigins[1]", "opaque origin")]
    [InlineData("""{ "allowOrigins": [ "https://*.*.example.com" ] }""", "cors.allowOrigins[0]", "not an origin")]
    [InlineData("""{ "allowOrigins": [ "https://a.example.com", "*" ] }""", "cors.allowOrigins[1]", "cannot be listed with others")]
    [InlineData("""{ "allowOrigins": [ "https://a.example.com" ], "exposeHeaders": [ "*" ], "allowCredentials": true }""", "cors.exposeHeaders", "list the names")]
    [InlineData("""{ "allowOrigins": [ "https://a.example.com" ], "allowHeaders": [ "x y" ] }""", "cors.allowHeaders[0]", "not a header name")]
    [InlineData("""{ "allowOrigins": [ "https://a.example.com" ], "maxAge": "2d" }""", "cors.maxAge", "'2d'")]
    [InlineData("""{ "allowOrigins": [] }""", "cors.allowOrigins", "at least one origin")]
    public async Task Registry_InvalidCors_RefusedNamingFileLineAndField(string cors, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(cors));

        var error = Assert.Single(errors);
        Assert.Equal("route 'api'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Location);
        Assert.Contains("portico.json", error.ToString(), StringComparison.Ordinal);
    }
}
