namespace Portico.Configuration;

/// <summary>
/// Security response headers the gateway sets on a route's responses, replacing what the backend sent. Each field left
/// out takes the gateway-wide value (<c>Portico:SecurityHeaders:*</c>); an empty string leaves the backend's header as it is.
/// </summary>
public sealed record SecurityHeadersDefinition
{
    /// <summary><c>Strict-Transport-Security</c> (RFC 6797), such as <c>max-age=31536000; includeSubDomains</c>; sent only on HTTPS.</summary>
    public string? StrictTransportSecurity { get; init; }

    /// <summary><c>X-Content-Type-Options</c>: <c>nosniff</c> is its only value.</summary>
    public string? ContentTypeOptions { get; init; }

    /// <summary><c>Content-Security-Policy</c>, such as <c>default-src 'none'; frame-ancestors 'none'</c>.</summary>
    public string? ContentSecurityPolicy { get; init; }

    /// <summary><c>X-Frame-Options</c>: <c>DENY</c> or <c>SAMEORIGIN</c>.</summary>
    public string? FrameOptions { get; init; }

    /// <summary><c>Referrer-Policy</c>, such as <c>no-referrer</c> or <c>strict-origin-when-cross-origin</c>.</summary>
    public string? ReferrerPolicy { get; init; }
}
