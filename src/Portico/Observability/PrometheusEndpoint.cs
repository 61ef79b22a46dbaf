using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Portico.Admin;
using Portico.Hosting;
using Portico.Pipeline;

namespace Portico.Observability;

/// <summary>
/// <c>GET {prefix}/admin/metrics</c> (or <c>{prefix}/metrics</c> when <see cref="PrometheusOptions.Public"/>): the
/// meters of <see cref="PorticoTelemetryExtensions.Meters"/> in the Prometheus text format, written by OpenTelemetry's
/// Prometheus exporter (content negotiation with OpenMetrics, gzip, <c>X-Prometheus-Scrape-Timeout-Seconds</c>). It is a
/// Portico endpoint like the others, so the admin policy, the audit log and the prefix apply to it unchanged.
/// </summary>
internal sealed class PrometheusEndpoint : IPorticoEndpoint
{
    private readonly RequestDelegate _scrape;

    public PrometheusEndpoint(IOptions<PorticoOptions> options, MeterProvider meterProvider, IServiceProvider services)
    {
        var isPublic = options.Value.Prometheus.Public;
        Path = isPublic ? "/metrics" : PorticoEndpointTable.AdminPath + "/metrics";
        Access = isPublic ? PorticoEndpointAccess.Public : PorticoEndpointAccess.Admin;

        // The exporter's middleware is internal; its public entry point is a branch of an application pipeline, built
        // here once as a pipeline of its own that answers every request it is given.
        var pipeline = new ApplicationBuilder(services);
        pipeline.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, predicate: static _ => true, path: null, configureBranchedPipeline: null, optionsName: null);
        _scrape = pipeline.Build();
    }

    public string Path { get; }

    public PorticoEndpointAccess Access { get; }

    public Task HandleAsync(GatewayContext context)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return _scrape(context.HttpContext);
    }
}
