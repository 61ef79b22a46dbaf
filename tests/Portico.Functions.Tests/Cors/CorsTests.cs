using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Functions.Tests.Cors;

/// <summary>CORS under the Functions host: the preflight answered by the worker before authentication, and the grant replacing the backend's headers.</summary>
public sealed class CorsTests
{
    [Fact]
    public async Task PreflightAndActualRequest_AllowedOrigin_GrantedAtTheGatewayAndBackendsHeadersReplaced()
    {
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            context.Response.Headers.AccessControlAllowCredentials = "true";
            await context.Response.WriteAsync("ok");
        });
        var (key, id) = Portico.Auth.ApiKeyFormat.Generate();
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "apiKeys": [ {{ApiKey(id, "web", key)}} ],
          "consumers": [ { "id": "web" } ],
          "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
          "backends": [ { "id": "b", "url": {{J(backend.Url)}} } ],
          "routes": [ { "id": "api", "auth": "keys", "match": { "path": "/api/{**rest}", "methods": [ "GET", "PUT" ] }, "backend": "b",
            "cors": { "allowOrigins": [ "https://*.example.com" ], "allowHeaders": [ "x-api-key", "content-type" ], "allowCredentials": true } } ]
        }
        """);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/orders");
        preflight.Headers.Add("Origin", "https://shop.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-api-key");
        using var answer = await gateway.Client.SendAsync(preflight);

        Assert.True(answer.StatusCode == HttpStatusCode.NoContent, gateway.Log); // no key needed for a preflight
        Assert.Equal("https://shop.example.com", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("GET, PUT", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("x-api-key", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Headers")));
        Assert.Equal("600", Assert.Single(answer.Headers.GetValues("Access-Control-Max-Age")));
        Assert.Equal(0, backend.Count);

        using var actual = await GetAsync(gateway.Client, "/api/orders", ("Origin", "https://shop.example.com"), ("X-Api-Key", key));
        Assert.True(actual.StatusCode == HttpStatusCode.OK, gateway.Log);
        Assert.Equal("https://shop.example.com", Assert.Single(actual.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("true", Assert.Single(actual.Headers.GetValues("Access-Control-Allow-Credentials")));
        Assert.Contains("Origin", actual.Headers.Vary);

        using var refused = new HttpRequestMessage(HttpMethod.Options, "/api/orders");
        refused.Headers.Add("Origin", "https://example.com.evil.net");
        refused.Headers.Add("Access-Control-Request-Method", "PUT");
        using var refusal = await gateway.Client.SendAsync(refused);
        Assert.Equal(HttpStatusCode.Forbidden, refusal.StatusCode);
        Assert.False(refusal.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
