namespace Portico.RateLimiting;

/// <summary>
/// How many gateway instances currently share the counters, from the heartbeats in the counter table (refreshed
/// by <see cref="RateLimitJanitor"/>). While storage is unreachable the last count stays; before the first
/// heartbeat it is 1, so a lone instance never limits itself to a fraction.
/// </summary>
internal sealed class InstanceCount
{
    private int _count = 1;

    /// <summary>This process's id in the heartbeat partition.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public int Current => Volatile.Read(ref _count);

    public void Update(int count) => Volatile.Write(ref _count, Math.Max(1, count));
}
