using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>
/// Adds the verified identity to the upstream request: consumer id, subject, scopes, roles and method under the
/// identity prefix (client-sent headers with that prefix were already removed by header hygiene), and on routes that
/// ask for it a gateway-signed identity token. Values that are not plain visible ASCII are percent-encoded, so a
/// claim can never inject a header.
/// </summary>
internal sealed class IdentityForwarding
{
    private readonly string _consumer;
    private readonly string _subject;
    private readonly string _scopes;
    private readonly string _roles;
    private readonly string _method;
    private readonly string _token;
    private readonly GatewayTokenIssuer _issuer;

    public IdentityForwarding(IOptions<PorticoOptions> options, GatewayTokenIssuer issuer)
    {
        var prefix = options.Value.IdentityHeaderPrefix;
        var names = options.Value.Auth.IdentityHeaders;
        _consumer = prefix + names.Consumer;
        _subject = prefix + names.Subject;
        _scopes = prefix + names.Scopes;
        _roles = prefix + names.Roles;
        _method = prefix + names.Method;
        _token = prefix + names.Token;
        _issuer = issuer;
    }

    /// <summary>
    /// Adds the identity headers to <paramref name="upstream"/>. <paramref name="audience"/> is the backend the
    /// identity token is for: the request's backend when absent, a composite route's part backend otherwise.
    /// </summary>
    public void Apply(GatewayContext context, HttpRequestMessage upstream, string? audience = null)
    {
        var identity = context.Identity;
        if (!identity.IsAuthenticated)
        {
            return;
        }

        var values = identity.ForwardedHeaderValues ??=
        [
            identity.ConsumerId is { } consumer ? Safe(consumer) : null,
            identity.Subject is { } subject ? Safe(subject) : null,
            identity.Scopes.Count > 0 ? Safe(string.Join(' ', identity.Scopes)) : null,
            identity.Roles.Count > 0 ? Safe(string.Join(',', identity.Roles)) : null,
        ];
        var headers = upstream.Headers;
        headers.TryAddWithoutValidation(_method, identity.Method);
        Add(headers, _consumer, values[0]);
        Add(headers, _subject, values[1]);
        Add(headers, _scopes, values[2]);
        Add(headers, _roles, values[3]);

        var route = context.Route!;
        if (route.Auth.IdentityToken)
        {
            headers.TryAddWithoutValidation(_token, _issuer.Issue(identity, audience ?? context.BackendId ?? route.Id, route.Id));
        }
    }

    private static void Add(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string? value)
    {
        if (value is not null)
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private static string Safe(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' || c == '%')
            {
                return Uri.EscapeDataString(value);
            }
        }

        return value;
    }
}
