using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>Opaque bearer tokens checked with an RFC 7662 introspection endpoint (through a caching <see cref="IntrospectionClient"/>).</summary>
internal sealed class IntrospectionPolicy : BearerTokenPolicy
{
    private readonly IntrospectionClient? _client;
    private readonly TimeProvider _time;
    private readonly bool _unavailableIs401;
    private readonly string[]? _audiences;
    private readonly string _consumerClaim;

    // A null client means the policy's client secret setting is empty: every request then gets the unavailable answer.
    public IntrospectionPolicy(string name, IntrospectionClient? client, TimeProvider time, int maxTokenSize, bool unavailableIs401, string[]? audiences, string consumerClaim, string realm)
        : base(name, "introspection", maxTokenSize, realm)
    {
        _client = client;
        _time = time;
        _unavailableIs401 = unavailableIs401;
        _audiences = audiences;
        _consumerClaim = consumerClaim;
    }

    protected override async ValueTask<AuthOutcome> VerifyAsync(GatewayContext context, BearerCredential credential)
    {
        var token = credential.Token;
        var result = _client is null ? null : await _client.IntrospectAsync(token, context.HttpContext.RequestAborted);
        if (result is null)
        {
            return _unavailableIs401 ? Invalid("introspection-unavailable") : AuthOutcome.Unavailable("introspection-unavailable");
        }

        if (!result.Active)
        {
            return Invalid("inactive");
        }

        if (result.ExpiresAt is { } exp && exp <= _time.GetUtcNow())
        {
            return Invalid("expired");
        }

        if (_audiences is not null && !NamesOneOf(result.Audiences, _audiences))
        {
            return Invalid("audience");
        }

        string? consumerId = null;
        if (result.Claims.TryGetValue(_consumerClaim, out var named) && named.Count > 0)
        {
            var consumer = Consumers.Find(context, named[0], out var disabled);
            if (disabled)
            {
                return Invalid("consumer-disabled");
            }

            consumerId = consumer?.Id;
        }

        return AuthOutcome.Success(new GatewayIdentity
        {
            ConsumerId = consumerId,
            Subject = result.Subject ?? (result.Claims.TryGetValue("client_id", out var client) ? client[0] : null),
            Method = Method,
            Scopes = result.Scopes,
            Roles = result.Claims.TryGetValue("roles", out var roles) ? roles : [],
            Claims = result.Claims,
        });
    }

    private static bool NamesOneOf(IReadOnlyList<string> held, string[] accepted)
    {
        foreach (var value in accepted)
        {
            for (int i = 0; i < held.Count; i++)
            {
                if (string.Equals(held[i], value, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

}
