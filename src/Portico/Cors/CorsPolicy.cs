namespace Portico.Cors;

/// <summary>A route's compiled CORS settings, with the header values prepared once.</summary>
internal sealed class CorsPolicy
{
    /// <summary>The origins that may read responses.</summary>
    public required CorsOrigins Origins { get; init; }

    /// <summary>Allowed methods (null: every method), compared without regard to case.</summary>
    public required HashSet<string>? Methods { get; init; }

    /// <summary>The <c>Access-Control-Allow-Methods</c> value; null when the requested method is echoed (every method allowed).</summary>
    public required string? MethodsValue { get; init; }

    /// <summary>Allowed request headers (null: every header), compared without regard to case.</summary>
    public required HashSet<string>? Headers { get; init; }

    /// <summary>The <c>Access-Control-Expose-Headers</c> value, or null.</summary>
    public required string? ExposeValue { get; init; }

    /// <summary>Whether credentialed requests may read responses (<c>Access-Control-Allow-Credentials: true</c>).</summary>
    public required bool Credentials { get; init; }

    /// <summary>The <c>Access-Control-Max-Age</c> value in seconds.</summary>
    public required string MaxAgeValue { get; init; }

    /// <summary>
    /// Whether the CORS headers depend on the request's origin, so responses carry <c>Vary: Origin</c>: always, except
    /// when every origin is allowed without credentials (the grant is then the constant <c>*</c>).
    /// </summary>
    public bool VariesByOrigin => !Origins.Any || Credentials;
}
