namespace Portico.LoadShedding;

/// <summary>Gateway-wide load shedding: requests beyond these limits are answered 503 at once instead of queueing.</summary>
public sealed class LoadSheddingOptions
{
    /// <summary>Most requests in flight in this instance at once; 0 turns the limit off. Default 5,000.</summary>
    public int MaxConcurrentRequests { get; set; } = 5_000;

    /// <summary>The <c>Retry-After</c> of a shed request (whole seconds). Default 1 s.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
