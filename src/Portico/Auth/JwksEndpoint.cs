using Portico.Admin;
using Portico.Pipeline;

namespace Portico.Auth;

/// <summary><c>/.well-known/jwks.json</c> under Portico's prefix: the public keys of the gateway's identity tokens.</summary>
internal sealed class JwksEndpoint(GatewayTokenIssuer issuer) : IPorticoEndpoint
{
    public string Path => "/.well-known/jwks.json";

    public Task HandleAsync(GatewayContext context)
    {
        var response = context.HttpContext.Response;
        response.ContentType = "application/jwk-set+json";
        // Backends cache it; a rotation publishes the next key beside the current one first (AdditionalPublicKeys).
        response.Headers.CacheControl = "public, max-age=300";
        response.ContentLength = issuer.Jwks.Length;
        return response.Body.WriteAsync(issuer.Jwks).AsTask();
    }
}
