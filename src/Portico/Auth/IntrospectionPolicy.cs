using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>Opaque bearer tokens checked with an RFC 7662 introspection endpoint (through a caching <see cref="IntrospectionClient"/>).</summary>
internal sealed class IntrospectionPolicy : AuthPolicy
{
    private readonly IntrospectionClient? _client;
    private readonly TimeProvider _time;
    private readonly int _maxTokenSize;
    private readonly bool _unavailableIs401;
    private readonly string[]? _audiences;
    private readonly string _consumerClaim;
    private readonly string _invalidChallenge;

    // A null client means the policy's client secret setting is empty: every request then gets the unavailable answer.
    public IntrospectionPolicy(string name, IntrospectionClient? client, TimeProvider time, int maxTokenSize, bool unavailableIs401, string[]? audiences, string consumerClaim, string realm)
        : base(name, "introspection")
    {
        _client = client;
        _time = time;
        _maxTokenSize = maxTokenSize;
        _unavailableIs401 = unavailableIs401;
        _audiences = audiences;
        _consumerClaim = consumerClaim;
        Challenge = Challenges.Bearer(realm);
        _invalidChallenge = Challenges.BearerInvalid(realm);
    }

    public override string Challenge { get; }

    public override async ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context)
    {
        var token = BearerToken.Read(context.HttpContext.Request, out var malformed);
        if (malformed)
        {
            return Invalid("malformed");
        }

        if (token is null)
        {
            return AuthOutcome.Missing(Challenge);
        }

        if (token.Length > _maxTokenSize)
        {
            return Invalid("too-large");
        }

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

    private AuthOutcome Invalid(string reason) => AuthOutcome.Invalid(reason, GatewayProblems.InvalidToken, _invalidChallenge);
}
