using Portico.Configuration;

namespace Portico.Proxy;

/// <summary>
/// A backend ready to be called, built once per snapshot. Every upstream call goes through it: the proxy
/// dispatcher forwards with <see cref="DestinationPrefix"/> and <see cref="Invoker"/>; composite routes and other
/// callers use <see cref="SendAsync"/>. Per-backend policies (resilience, health) attach here.
/// </summary>
internal sealed class CompiledBackend(BackendDefinition definition, UpstreamClient client)
{
    public BackendDefinition Definition { get; } = definition;

    public string Id => Definition.Id;

    /// <summary>The backend URL without a trailing slash; upstream paths are appended to it.</summary>
    public string DestinationPrefix { get; } = definition.Url.TrimEnd('/');

    /// <summary>The shared pooled connection handler.</summary>
    public HttpMessageInvoker Invoker => client.Invoker;

    /// <summary>An absolute URI for <paramref name="pathAndQuery"/> on this backend.</summary>
    public Uri UriFor(string pathAndQuery) => new(DestinationPrefix + (pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery));

    /// <summary>Sends a request the caller built (absolute URI on this backend) and returns the response headers.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        client.Invoker.SendAsync(request, cancellationToken);
}
