using Microsoft.AspNetCore.Http;

namespace Portico.SecurityHeaders;

/// <summary>
/// The headers of every answer of the gateway's own endpoints (health, JWKS, admin): nothing in them is meant to run,
/// be framed or sniffed, so the policy is as strict as there is (issue 17, item 10).
/// </summary>
internal static class OwnPageHeaders
{
    /// <summary>No source may load anything, no page may frame it, no form may post from it.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>Sets the headers on <paramref name="response"/>.</summary>
    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY"; // frame-ancestors' predecessor, for browsers without CSP level 2
        headers["Referrer-Policy"] = "no-referrer";
    }
}
