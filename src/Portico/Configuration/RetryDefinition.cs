namespace Portico.Configuration;

/// <summary>A route's retry policy: exponential backoff with jitter, within the backend's retry budget.</summary>
public sealed record RetryDefinition
{
    /// <summary>Attempts in all, the first included, 1 to 10; 1 turns retries off. Default 3.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Base of the exponential backoff, such as <c>100ms</c>. Default 100ms.</summary>
    public string? Delay { get; init; }

    /// <summary>Longest backoff between two attempts. Default 2s.</summary>
    public string? MaxDelay { get; init; }

    /// <summary>Backend statuses that are retried. Default 502, 503, 504.</summary>
    public IReadOnlyList<int>? StatusCodes { get; init; }

    /// <summary>Also retry methods that are not idempotent (POST, PATCH). Default false.</summary>
    public bool? NonIdempotent { get; init; }

    /// <summary>Largest request body, in bytes, kept in memory so it can be sent again. Default 65536.</summary>
    public long? MaxBufferedBody { get; init; }

    /// <summary>Longest backend <c>Retry-After</c> that is waited for; a longer one is passed to the client. Default 2s.</summary>
    public string? MaxRetryAfter { get; init; }
}
