using Portico.Dispatch;
using Portico.Resilience.Retries;

namespace Portico.Resilience;

/// <summary>A proxy route's validated resilience settings, defaults applied.</summary>
internal sealed record RouteResilienceSettings
{
    public TimeSpan Timeout { get; init; } = ResilienceDefaults.Timeout;
    public TimeSpan? AttemptTimeout { get; init; }
    public int MaxAttempts { get; init; } = ResilienceDefaults.MaxAttempts;
    public TimeSpan Delay { get; init; } = ResilienceDefaults.RetryDelay;
    public TimeSpan MaxDelay { get; init; } = ResilienceDefaults.RetryMaxDelay;
    public required StatusCodeSet RetryStatusCodes { get; init; }
    public bool RetryNonIdempotent { get; init; }
    public long MaxBufferedBody { get; init; } = ResilienceDefaults.MaxBufferedBody;
    public TimeSpan MaxRetryAfter { get; init; } = ResilienceDefaults.MaxRetryAfter;
    public StaticResponseDispatcher? FallbackStatic { get; init; }
    public string? FallbackBackend { get; init; }
    public required StatusCodeSet FallbackStatusCodes { get; init; }

    /// <summary>The settings of a route that configures nothing.</summary>
    public static RouteResilienceSettings Default { get; } = new()
    {
        RetryStatusCodes = new StatusCodeSet(ResilienceDefaults.RetryStatusCodes),
        FallbackStatusCodes = new StatusCodeSet(ResilienceDefaults.FallbackStatusCodes),
    };
}
