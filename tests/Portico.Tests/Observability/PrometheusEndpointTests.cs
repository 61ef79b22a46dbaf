using System.Net;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Admin.AdminTestKit;

namespace Portico.Tests.Observability;

/// <summary>
/// The Prometheus scrape endpoint (issue 22): off by default; when on, a scrape over a real socket returns Portico's
/// own metrics in the text exposition format, behind the admin policy unless made public.
/// </summary>
public sealed class PrometheusEndpointTests
{
    private const string AdminMetrics = "/_portico/admin/metrics";
    private const string PublicMetrics = "/_portico/metrics";

    [Fact]
    public async Task Scrape_EnabledWithAdminKey_ReturnsPorticoMetricsOfServedRequests()
    {
        var admin = NewKey();
        var settings = KeySettings(admin);
        settings["Portico:Prometheus:Enabled"] = "true";
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry, settings);

        Assert.Equal("hi", await gateway.Client.GetStringAsync("/hello"));
        using var refused = await SendAsync(gateway, AdminMetrics);
        using var scrape = await SendAsync(gateway, AdminMetrics, admin.Key);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        var text = await scrape.Content.ReadAsStringAsync();
        Assert.Matches("""(?m)^portico_requests_total\{[^}]*portico_route="hello"[^}]*\} 1( |$)""", text);
        Assert.Matches("""(?m)^portico_request_duration_seconds_bucket\{[^}]*portico_route="hello"[^}]*le="\+Inf"[^}]*\} 1( |$)""", text);
        Assert.Contains("# TYPE portico_requests_total counter", text, StringComparison.Ordinal);
        // The scrape is an admin request like the others: audited.
        Assert.True(await Eventually.TrueAsync(
            () => Audit(gateway).Any(e => Equals(e["Path"], AdminMetrics) && Equals(e["StatusCode"], 200)), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Scrape_Public_AnswersWithoutCredentialsAtTheEndpointPrefix()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry, new Dictionary<string, string?>
        {
            ["Portico:Prometheus:Enabled"] = "true",
            ["Portico:Prometheus:Public"] = "true",
        });

        Assert.Equal("hi", await gateway.Client.GetStringAsync("/hello"));
        using var scrape = await gateway.Client.GetAsync(PublicMetrics);

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Matches("""(?m)^portico_requests_total\{[^}]*portico_route="hello"[^}]*\} 1( |$)""", await scrape.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Scrape_NotEnabled_NoEndpointAnswers()
    {
        var admin = NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry, KeySettings(admin));

        using var publicScrape = await gateway.Client.GetAsync(PublicMetrics);
        using var adminScrape = await SendAsync(gateway, AdminMetrics, admin.Key);

        Assert.Equal(HttpStatusCode.NotFound, publicScrape.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, adminScrape.StatusCode);
    }
}
