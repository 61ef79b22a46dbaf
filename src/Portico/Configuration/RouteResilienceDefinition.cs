namespace Portico.Configuration;

/// <summary>Per-route resilience of a proxy route: timeouts, retries and a fallback. Every field is optional.</summary>
public sealed record RouteResilienceDefinition
{
    /// <summary>
    /// Longest the client waits for the backend's response headers, all attempts and backoff included, such as
    /// <c>30s</c>. Default 30s; at most 225s. The body that follows is bounded by <c>activityTimeout</c>.
    /// </summary>
    public string? Timeout { get; init; }

    /// <summary>Longest one attempt may wait for response headers before it is abandoned (and retried). Default: the whole timeout.</summary>
    public string? AttemptTimeout { get; init; }

    /// <summary>When and how failed attempts are repeated.</summary>
    public RetryDefinition? Retry { get; init; }

    /// <summary>What answers when the backend fails after retries.</summary>
    public FallbackDefinition? Fallback { get; init; }
}
