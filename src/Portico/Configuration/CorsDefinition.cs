namespace Portico.Configuration;

/// <summary>
/// Cross-origin resource sharing for a route (the Fetch standard's CORS protocol): which browser origins may read its
/// responses, and what their preflight requests may ask for. The gateway answers preflights itself, before
/// authentication and rate limits, and replaces any <c>Access-Control-*</c> header the backend sends.
/// </summary>
public sealed record CorsDefinition
{
    /// <summary>
    /// Origins that may read responses: exact origins (<c>https://app.example.com</c>, <c>http://localhost:3000</c>),
    /// patterns with one leading wildcard label (<c>https://*.example.com</c>: any subdomain, not the domain itself), or
    /// <c>*</c> alone (every origin, never with <see cref="AllowCredentials"/>). Required.
    /// </summary>
    public IReadOnlyList<string>? AllowOrigins { get; init; }

    /// <summary>Methods a preflight may ask for; default the route's <c>match.methods</c>, or every method when it lists none. <c>*</c> alone allows every method.</summary>
    public IReadOnlyList<string>? AllowMethods { get; init; }

    /// <summary>Request headers a preflight may ask for (beyond the CORS-safelisted ones); none by default. <c>*</c> alone allows every header, <c>Authorization</c> included.</summary>
    public IReadOnlyList<string>? AllowHeaders { get; init; }

    /// <summary>Response headers scripts may read beyond the CORS-safelisted ones (<c>Access-Control-Expose-Headers</c>); none by default.</summary>
    public IReadOnlyList<string>? ExposeHeaders { get; init; }

    /// <summary>Whether requests with credentials (cookies, HTTP authentication, client certificates) may read responses. Default false.</summary>
    public bool? AllowCredentials { get; init; }

    /// <summary>How long a browser may cache a preflight answer (<c>Access-Control-Max-Age</c>), a duration up to <c>1d</c>. Default <c>10m</c>.</summary>
    public string? MaxAge { get; init; }
}
