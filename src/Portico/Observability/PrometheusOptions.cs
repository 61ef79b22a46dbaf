namespace Portico.Observability;

/// <summary>
/// The Prometheus scrape endpoint (<c>Portico:Prometheus:*</c>, issue 22): the gateway's metrics in the Prometheus text
/// exposition format, so that teams that scrape need no collector. Off unless <see cref="Enabled"/>.
/// </summary>
public sealed class PrometheusOptions
{
    /// <summary>Serve the scrape endpoint. Default false: no endpoint, and no metrics are aggregated for it.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Where it is served and to whom. False (the default): at <c>{EndpointPrefix}/admin/metrics</c>, behind the admin
    /// policy like every operator endpoint (a scraper sends an admin key as <c>Authorization: Bearer</c>), and audited.
    /// True: at <c>{EndpointPrefix}/metrics</c> for anyone, for a network where only the scraper reaches the gateway's
    /// port.
    /// </summary>
    public bool Public { get; set; }
}
