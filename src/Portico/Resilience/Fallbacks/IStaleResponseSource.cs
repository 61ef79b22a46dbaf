namespace Portico.Resilience.Fallbacks;

/// <summary>
/// The stale-if-error hook (RFC 5861 §4): when a proxy route's backend fails after its retries, the resilience
/// pipeline asks every registered source for the last good response before it uses the route's configured fallback
/// or answers with an error. A response cache implements this and registers it in DI; none is registered by default.
/// </summary>
public interface IStaleResponseSource
{
    /// <summary>
    /// A stored response for the failed request, or null when there is none (or it is too old to serve). The
    /// returned message is handed to the client as if the backend had sent it, and disposed afterwards.
    /// </summary>
    ValueTask<HttpResponseMessage?> GetStaleResponseAsync(StaleResponseRequest request, CancellationToken cancellationToken);
}
