namespace Portico.Security;

/// <summary>Request size and pace limits applied before a request reaches a backend.</summary>
public sealed class LimitsOptions
{
    /// <summary>Default largest request body in bytes when a route sets none: 100 MB, the Functions host's own limit.</summary>
    public long MaxRequestBodySize { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// Slowest a request body may arrive, in bytes per second averaged since the grace period ended (Kestrel's own
    /// default, 240); a slower client gets 408 <c>request-timeout</c>. 0 turns the check off (a client could then
    /// hold a connection open with one byte now and then, until the route's timeouts end it).
    /// </summary>
    public long MinRequestBodyDataRate { get; set; } = 240;

    /// <summary>How long a body may arrive below <see cref="MinRequestBodyDataRate"/> before the rate is enforced (Kestrel's default, 5 s).</summary>
    public TimeSpan RequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}
