namespace Portico.RateLimiting;

/// <summary>When a policy appears in the <c>RateLimit-Policy</c> and <c>RateLimit</c> response headers.</summary>
internal enum RateLimitHeaderMode
{
    /// <summary>On every response of the routes it applies to.</summary>
    All,

    /// <summary>Only on answers it limited (429).</summary>
    Limited,

    /// <summary>Never.</summary>
    None,
}
