namespace Portico.SecurityHeaders;

/// <summary>
/// Gateway-wide security response headers (<c>Portico:SecurityHeaders:*</c>). <see cref="StrictTransportSecurity"/>
/// goes on every response over HTTPS (the gateway's own and routed ones); the others go on routed responses, replacing
/// what the backend sent, unless the route's <c>securityHeaders</c> says otherwise. All off by default: a backend's own
/// headers pass unchanged. The gateway's own endpoints always carry a restrictive set (docs/security.md).
/// </summary>
public sealed class SecurityHeadersOptions
{
    /// <summary><c>Strict-Transport-Security</c> (RFC 6797) sent on HTTPS responses, such as <c>max-age=31536000; includeSubDomains</c>; off by default.</summary>
    public string? StrictTransportSecurity { get; set; }

    /// <summary><c>X-Content-Type-Options</c> on routed responses (<c>nosniff</c>).</summary>
    public string? ContentTypeOptions { get; set; }

    /// <summary><c>Content-Security-Policy</c> on routed responses.</summary>
    public string? ContentSecurityPolicy { get; set; }

    /// <summary><c>X-Frame-Options</c> on routed responses (<c>DENY</c> or <c>SAMEORIGIN</c>).</summary>
    public string? FrameOptions { get; set; }

    /// <summary><c>Referrer-Policy</c> on routed responses.</summary>
    public string? ReferrerPolicy { get; set; }
}
