using Microsoft.AspNetCore.Http;
using System.Net;
using Microsoft.Extensions.Options;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.SecurityHeaders;

/// <summary>
/// Security response headers (issue 17, item 10): nosniff on every answer the gateway writes, a restrictive policy on
/// its own endpoints, HSTS only over HTTPS, and per-route or gateway-wide headers replacing a backend's.
/// </summary>
public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync(async context =>
    {
        context.Response.Headers.XFrameOptions = "ALLOWALL";
        context.Response.Headers.ContentSecurityPolicy = "default-src *";
        context.Response.Headers["Referrer-Policy"] = "unsafe-url";
        await context.Response.WriteAsync("<p>page</p>");
    });

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private string Registry(string headers = """{ "frameOptions": "DENY", "contentSecurityPolicy": "default-src 'self'" }""") => $$"""
    {
      "backends": [ { "id": "b", "url": {{J(_backend.Url)}} } ],
      "routes": [
        { "id": "hardened", "auth": "anonymous", "match": { "path": "/hardened" }, "backend": "b", "securityHeaders": {{headers}} },
        { "id": "keeps-backend-csp", "auth": "anonymous", "match": { "path": "/own-csp" }, "backend": "b", "securityHeaders": { "contentSecurityPolicy": "" } },
        { "id": "plain", "auth": "anonymous", "match": { "path": "/plain" }, "backend": "b" }
      ]
    }
    """;

    private static string? One(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? Assert.Single(values) : null;

    [Fact]
    public async Task GatewayAnswers_ProblemsAndOwnEndpoints_NosniffAndARestrictivePolicy()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());

        using var notFound = await gateway.Client.GetAsync("/nowhere");
        using var health = await gateway.Client.GetAsync("/_portico/health/live");
        using var adminWithoutCredentials = await gateway.Client.GetAsync("/_portico/admin/registry");

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("nosniff", One(notFound, "X-Content-Type-Options"));
        foreach (var own in new[] { health, adminWithoutCredentials })
        {
            Assert.Equal("nosniff", One(own, "X-Content-Type-Options"));
            Assert.Equal("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", One(own, "Content-Security-Policy"));
            Assert.Equal("DENY", One(own, "X-Frame-Options"));
            Assert.Equal("no-referrer", One(own, "Referrer-Policy"));
        }

        Assert.Null(One(health, "Strict-Transport-Security")); // not configured
    }

    [Fact]
    public async Task RouteHeaders_OverABackendsOwn_ReplaceThemAndEmptyKeepsTheBackends()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(), new Dictionary<string, string?>
        {
            ["Portico:SecurityHeaders:ContentTypeOptions"] = "nosniff",
            ["Portico:SecurityHeaders:ContentSecurityPolicy"] = "default-src 'none'",
        });

        using var hardened = await gateway.Client.GetAsync("/hardened");
        using var ownCsp = await gateway.Client.GetAsync("/own-csp");
        using var plain = await gateway.Client.GetAsync("/plain");

        Assert.Equal("DENY", One(hardened, "X-Frame-Options"));
        Assert.Equal("default-src 'self'", One(hardened, "Content-Security-Policy")); // the route's over the gateway's
        Assert.Equal("nosniff", One(hardened, "X-Content-Type-Options")); // the gateway's
        Assert.Equal("unsafe-url", One(hardened, "Referrer-Policy")); // set by no one: the backend's

        Assert.Equal("default-src *", One(ownCsp, "Content-Security-Policy")); // "" leaves the backend's
        Assert.Equal("default-src 'none'", One(plain, "Content-Security-Policy"));
        Assert.Equal("ALLOWALL", One(plain, "X-Frame-Options"));
    }

    [Fact]
    public async Task Hsts_Configured_SentOnlyWhenTheClientUsedHttps()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(), new Dictionary<string, string?>
        {
            ["Portico:SecurityHeaders:StrictTransportSecurity"] = "max-age=31536000; includeSubDomains",
            ["Portico:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1",
        });

        using var plainHttp = await gateway.Client.GetAsync("/plain");
        using var viaTlsFrontEnd = await GetAsync(gateway.Client, "/plain", ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.1"));
        using var health = await GetAsync(gateway.Client, "/_portico/health/live", ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.1"));
        using var notFound = await GetAsync(gateway.Client, "/nowhere", ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.1"));

        Assert.Null(One(plainHttp, "Strict-Transport-Security")); // RFC 6797 §7.2
        Assert.Equal("max-age=31536000; includeSubDomains", One(viaTlsFrontEnd, "Strict-Transport-Security"));
        Assert.Equal("max-age=31536000; includeSubDomains", One(health, "Strict-Transport-Security"));
        Assert.Equal("max-age=31536000; includeSubDomains", One(notFound, "Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("""{ "frameOptions": "ALLOW-FROM https://x" }""", "securityHeaders.frameOptions")]
    [InlineData("""{ "strictTransportSecurity": "includeSubDomains" }""", "securityHeaders.strictTransportSecurity")]
    [InlineData("""{ "contentTypeOptions": "sniff" }""", "securityHeaders.contentTypeOptions")]
    [InlineData("""{ "contentSecurityPolicy": "default-src 'self'\u0007" }""", "securityHeaders.contentSecurityPolicy")]
    public async Task Registry_InvalidValue_RefusedNamingTheField(string headers, string field)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(headers));

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.NotNull(error.Location);
    }

    [Fact]
    public async Task Start_InvalidGatewayValue_RefusedNamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartWithFileAsync(
            Registry(), new Dictionary<string, string?> { ["Portico:SecurityHeaders:StrictTransportSecurity"] = "max-age=soon" }));

        Assert.Contains(ex.Failures, f => f.Contains("Portico:SecurityHeaders:StrictTransportSecurity", StringComparison.Ordinal));
    }
}
