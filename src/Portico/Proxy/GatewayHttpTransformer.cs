using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Portico.Auth;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Security;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Proxy;

/// <summary>
/// Shapes the outgoing request: the rewritten path with the client's query (both as the client encoded them), no
/// spoofable or platform headers,
/// and <c>X-Forwarded-For/Proto/Host</c> written by the gateway from what it could verify. A header that cannot be
/// forwarded is answered here (the forwarder then sends nothing), as the client's fault.
/// </summary>
internal sealed class GatewayHttpTransformer(IOptions<PorticoOptions> options, IdentityForwarding identity) : HttpTransformer
{
    private readonly string _identityPrefix = options.Value.IdentityHeaderPrefix;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var context = httpContext.Features.GetRequiredFeature<GatewayContext>();
        // The query as the client sent it (the server never decodes it), less what the gateway removed (an API key).
        proxyRequest.RequestUri = UpstreamUri.Create(destinationPrefix, context.UpstreamPath.Span, httpContext.Request.QueryString.Value);

        if (HeaderHygiene.Clean(httpContext.Request.Headers, httpContext.Request.Protocol, context.ConnectionHeader, proxyRequest, _identityPrefix, out var detail) is { } refusal)
        {
            context.BackendId = null; // nothing reaches the backend
            await ProblemResponse.WriteAsync(httpContext, refusal, detail);
            return;
        }

        identity.Apply(context, proxyRequest);
        if (context.DestinationPicks is { } picks)
        {
            proxyRequest.Options.Set(Discovery.DestinationPicks.OptionsKey, picks);
        }

        // The backend sees its own host name (as with YARP's transforms and Kong's default); the client's
        // goes in X-Forwarded-Host.
        proxyRequest.Headers.Host = null;

        var client = context.Client;
        if (client.ForwardedFor is not null)
        {
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ForwardedFor);
        }

        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", client.Proto);
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", client.Host);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);

        // RFC 9110 §7.6.1: fields the backend names in Connection are hop-by-hop; YARP drops Connection itself but
        // passes the fields it names, which a client (or the response cache, RFC 9111 §3.1) must never see.
        if (proxyResponse is not null && proxyResponse.Headers.NonValidated.TryGetValues("Connection", out var connection))
        {
            foreach (var line in connection)
            {
                foreach (var name in line.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    httpContext.Response.Headers.Remove(name);
                }
            }
        }

        return result;
    }
}
