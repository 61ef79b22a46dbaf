using Portico.Configuration;
using Portico.Discovery;
using Portico.Resilience;

namespace Portico.Proxy;

/// <summary>
/// A backend ready to be called, built once per snapshot. Every upstream call goes through it: the proxy
/// dispatcher forwards with <see cref="DestinationPrefix"/> and its route's invoker (the route's resilience pipeline
/// over this backend); composite routes and other callers use <see cref="SendAsync"/>, which applies the backend's
/// resilience (bulkhead, circuit breaker, retry budget) with the default route timeouts and retries.
/// </summary>
internal sealed class CompiledBackend(BackendDefinition definition, UpstreamClient client, BackendResilience? resilience = null, DestinationCluster? cluster = null)
{
    private readonly HttpMessageInvoker _invoker = cluster is null ? client.Invoker : new ClusterInvoker(cluster, client.Invoker);
    private HttpMessageInvoker? _resilientInvoker;

    public BackendDefinition Definition { get; } = definition;

    public string Id => Definition.Id;

    /// <summary>
    /// The backend URL without a trailing slash; upstream paths are appended to it. For a backend with several
    /// destinations, <see cref="DestinationCluster.Placeholder"/>, which <see cref="Invoker"/> replaces on each attempt.
    /// </summary>
    public string DestinationPrefix { get; } = cluster is null ? definition.Url!.TrimEnd('/') : DestinationCluster.Placeholder;

    /// <summary>The backend's destinations when it has several (docs/discovery.md); null for a single URL.</summary>
    public DestinationCluster? Cluster { get; } = cluster;

    /// <summary>The way to the backend without resilience: the shared pooled client, through the destination choice when the backend has several.</summary>
    public HttpMessageInvoker Invoker => _invoker;

    /// <summary>The backend's long-lived resilience state (kept across reloads while its definition is unchanged); null when resilience is off.</summary>
    public BackendResilience? Resilience { get; } = resilience;

    /// <summary>
    /// What follows this backend's address in <paramref name="request"/>'s URI (as written), or null when it is not on
    /// this backend. For a backend with destinations, whichever destination's address it carries, one that left the
    /// backend since included (the path after it, not the gone destination's own).
    /// </summary>
    public string? PathAndQueryOf(HttpRequestMessage request)
    {
        var uri = request.RequestUri!.OriginalString;
        if (Cluster is { } cluster && !uri.StartsWith(DestinationPrefix, StringComparison.Ordinal))
        {
            var carried = request.Options.TryGetValue(DestinationPicks.OptionsKey, out var picks) && picks.Cluster == cluster ? picks.Current : null;
            var length = cluster.AddressLength(cluster.Current, uri, carried, out _);
            return uri[(length >= 0 ? length : DestinationCluster.AuthorityLength(uri))..];
        }

        return uri.StartsWith(DestinationPrefix, StringComparison.Ordinal) ? uri[DestinationPrefix.Length..] : null;
    }

    /// <summary>An absolute URI for <paramref name="pathAndQuery"/> on this backend.</summary>
    public Uri UriFor(string pathAndQuery) => new(DestinationPrefix + (pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery));

    /// <summary>An absolute URI for <paramref name="pathAndQuery"/> (raw, as a client sent it) on this backend, sent exactly as written.</summary>
    public Uri UriAsSent(string pathAndQuery) => UpstreamUri.Create(DestinationPrefix, pathAndQuery.StartsWith('/') ? "" : "/", pathAndQuery);

    /// <summary>
    /// Sends a request the caller built (absolute URI on this backend) through the backend's resilience pipeline
    /// and returns the response headers. Refusals surface as exceptions, as from any <see cref="HttpMessageInvoker"/>:
    /// <c>TimeoutRejectedException</c>, <c>BrokenCircuitException</c> or <c>BulkheadRejectedException</c>.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        (_resilientInvoker ?? _invoker).SendAsync(request, cancellationToken);

    /// <summary>Set once by the compiler, after construction, because the invoker refers back to this backend.</summary>
    internal void UseResilientInvoker(HttpMessageInvoker? invoker) => _resilientInvoker = invoker;
}
