namespace Portico.RateLimiting;

/// <summary>What a part of a rate-limit key is taken from.</summary>
internal enum KeyPartKind
{
    /// <summary>The consumer authentication mapped the caller to.</summary>
    Consumer,

    /// <summary>The API key the caller presented (hashed; never kept or stored in clear).</summary>
    ApiKey,

    /// <summary>The client's address, trusted proxies honoured; IPv6 clients by their /64 network.</summary>
    ClientIp,

    /// <summary>A request header's value.</summary>
    Header,

    /// <summary>A verified claim of the caller's identity.</summary>
    Claim,

    /// <summary>The matched route's id.</summary>
    Route,
}
