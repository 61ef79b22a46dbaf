namespace Portico.RateLimiting;

/// <summary>How rate-limit counters are kept and shared (docs/rate-limiting.md).</summary>
public sealed class RateLimitingOptions
{
    /// <summary>The table holding shared counters (<c>exact</c> and <c>leased</c> policies). Default <c>PorticoRateCounters</c>.</summary>
    public string TableName { get; set; } = "PorticoRateCounters";

    /// <summary>
    /// Longest a request waits on counter storage before the policy's failure mode applies (50 ms to 10 s). Default 1 s.
    /// </summary>
    public TimeSpan StorageTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After a storage failure, how long requests use the failure mode before one request probes storage again. Default 2 s.</summary>
    public TimeSpan OutageProbeInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often an instance records itself in the counter table and counts the others, so all know how many share a limit. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most keys (clients) tracked in memory per instance; beyond it new keys share one overflow bucket per policy. Default 100,000.</summary>
    public int MaxTrackedKeys { get; set; } = 100_000;
}
