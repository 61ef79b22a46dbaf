using System.Collections.Frozen;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// Bearer JWTs (RFC 7519, with the RFC 8725 best practices): size, shape and header checks first, then the issuer
/// the token names among the configured ones, its algorithm among that issuer's allowed ones, a key from that
/// issuer's own key source, and finally signature, <c>iss</c>, <c>aud</c>, <c>exp</c> and <c>nbf</c> with IdentityModel.
/// </summary>
internal sealed class JwtPolicy : BearerTokenPolicy
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private readonly FrozenDictionary<string, JwtIssuer> _issuers;
    private readonly string? _tokenType;
    private readonly string? _scopeClaim;
    private readonly string _roleClaim;
    private readonly string? _consumerClaim;
    private readonly bool _requireConsumer;
    private readonly TimeProvider _time;

    // Tokens that passed every check, by their exact text (BearerCredential.Key: the Authorization value itself when it
    // holds nothing but the token, so a remembered token is found without copying it out of the header), so a client
    // re-sending its token costs a dictionary lookup instead of a signature verification. Per policy, so per snapshot: a reload starts empty. An entry is
    // used only while its issuer's key set is the one it was verified with (a key refresh re-verifies), and exp,
    // nbf and the consumer's status are checked again on every use.
    private readonly BoundedCache<string, VerifiedToken> _verified;

    public JwtPolicy(string name, IEnumerable<JwtIssuer> issuers, string? tokenType, int maxTokenSize, string? scopeClaim, string? roleClaim, string? consumerClaim, bool requireConsumer, string realm, TimeProvider time)
        : base(name, "jwt", maxTokenSize, realm)
    {
        _time = time;
        _verified = new BoundedCache<string, VerifiedToken>(time, MaxVerifiedTokens);
        _issuers = issuers.ToFrozenDictionary(i => i.Issuer, StringComparer.Ordinal);
        _tokenType = tokenType is null ? null : StripApplication(tokenType);
        _scopeClaim = scopeClaim;
        _roleClaim = roleClaim ?? "roles";
        _consumerClaim = consumerClaim;
        _requireConsumer = requireConsumer;
    }

    protected override async ValueTask<AuthOutcome> VerifyAsync(GatewayContext context, BearerCredential credential)
    {
        var key = credential.Key;
        if (_verified.TryGet(key, out var known) && ReferenceEquals(known.Issuer.Keys.Current, known.KeySet))
        {
            return Reuse(context, known);
        }

        var token = ReferenceEquals(key, credential.Header) ? credential.Token : key;
        JsonWebToken jwt;
        string typ, alg, issuerName;
        string? kid;
        try
        {
            // The library decodes lazily and reports undecodable segments by exception: read everything used here now.
            jwt = new JsonWebToken(token);
            typ = jwt.Typ ?? "";
            alg = jwt.Alg ?? "";
            kid = string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid;
            issuerName = jwt.IsEncrypted ? "" : jwt.Issuer;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or SecurityTokenException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return Invalid("malformed");
        }

        if (jwt.IsEncrypted || string.IsNullOrEmpty(jwt.EncodedSignature))
        {
            return Invalid("unsigned");
        }

        if (JoseHeader.Check(jwt.EncodedHeader) is { } headerProblem)
        {
            return Invalid(headerProblem);
        }

        if (_tokenType is not null && !string.Equals(StripApplication(typ), _tokenType, StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("type");
        }

        if (!_issuers.TryGetValue(issuerName, out var issuer))
        {
            return Invalid("issuer");
        }

        if (!issuer.Algorithms.Contains(alg))
        {
            return Invalid("algorithm");
        }

        if (kid is { Length: > 256 })
        {
            return Invalid("kid");
        }

        switch (await issuer.Keys.EnsureAsync(kid, context.HttpContext.RequestAborted))
        {
            case KeyAvailability.Unavailable:
                return AuthOutcome.Unavailable("issuer-keys-unavailable");
            case KeyAvailability.NotFound:
                return Invalid("unknown-kid");
        }

        var result = await Handler.ValidateTokenAsync(jwt, issuer.Parameters);
        if (!result.IsValid)
        {
            return Invalid(Classify(result.Exception));
        }

        if (CheckLifetime(jwt, issuer) is { } lifetimeProblem)
        {
            return Invalid(lifetimeProblem);
        }

        var keySet = issuer.Keys.Current;
        var outcome = Identify(context, jwt);
        if (outcome.Status == AuthStatus.Success && keySet is not null && jwt.TryGetPayloadValue<long>("exp", out var exp))
        {
            var nbf = jwt.TryGetPayloadValue<long>("nbf", out var notBefore) ? notBefore : long.MinValue;
            var until = DateTimeOffset.FromUnixTimeSeconds(exp) + issuer.ClockSkew;
            var cap = _time.GetUtcNow() + MaxVerifiedLifetime;
            _verified.Set(key, new VerifiedToken(issuer, keySet, outcome.Identity!, exp, nbf), until < cap ? until : cap);
        }

        return outcome;
    }

    private const int MaxVerifiedTokens = 10_000;
    private static readonly TimeSpan MaxVerifiedLifetime = TimeSpan.FromMinutes(10);

    private AuthOutcome Reuse(GatewayContext context, VerifiedToken known)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var skew = (long)known.Issuer.ClockSkew.TotalSeconds;
        if (now - skew >= known.Expires)
        {
            return Invalid("expired");
        }

        if (known.NotBefore != long.MinValue && now + skew < known.NotBefore)
        {
            return Invalid("not-yet-valid");
        }

        if (known.Identity.ConsumerId is { } consumerId)
        {
            var consumer = Consumers.Find(context, consumerId, out var disabled);
            if (consumer is null || disabled)
            {
                return Invalid("consumer-disabled");
            }
        }

        return AuthOutcome.Success(known.Identity);
    }

    private sealed record VerifiedToken(JwtIssuer Issuer, IssuerKeySet KeySet, GatewayIdentity Identity, long Expires, long NotBefore);

    /// <summary>RFC 7519 §4.1.4 and §4.1.5 with the issuer's clock skew; <c>exp</c> is required (RFC 9068 §2.2).</summary>
    private static string? CheckLifetime(JsonWebToken jwt, JwtIssuer issuer)
    {
        if (!jwt.TryGetPayloadValue<long>("exp", out var exp))
        {
            return "no-expiry";
        }

        var now = issuer.Time.GetUtcNow().ToUnixTimeSeconds();
        var skew = (long)issuer.ClockSkew.TotalSeconds;
        if (now - skew >= exp)
        {
            return "expired";
        }

        if (jwt.TryGetPayloadValue<long>("nbf", out var nbf) && now + skew < nbf)
        {
            return "not-yet-valid";
        }

        return null;
    }

    private AuthOutcome Identify(GatewayContext context, JsonWebToken jwt)
    {
        var claims = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var claim in jwt.Claims)
        {
            if (!claims.TryGetValue(claim.Type, out var values))
            {
                claims[claim.Type] = values = new List<string>(1);
            }

            values.Add(claim.Value);
        }

        string? consumerId = null;
        if (_consumerClaim is not null && claims.TryGetValue(_consumerClaim, out var named))
        {
            var consumer = Consumers.Find(context, named[0], out var disabled);
            if (disabled)
            {
                return Invalid("consumer-disabled");
            }

            consumerId = consumer?.Id;
        }

        if (_requireConsumer && consumerId is null)
        {
            return Invalid("consumer-unknown");
        }

        var readOnly = new Dictionary<string, IReadOnlyList<string>>(claims.Count, StringComparer.Ordinal);
        foreach (var (type, values) in claims)
        {
            readOnly[type] = values;
        }

        return AuthOutcome.Success(new GatewayIdentity
        {
            ConsumerId = consumerId,
            Subject = claims.TryGetValue("sub", out var sub) ? sub[0] : null,
            Method = Method,
            Scopes = ReadScopes(claims),
            Roles = claims.TryGetValue(_roleClaim, out var roles) ? roles : [],
            Claims = readOnly,
        });
    }

    private List<string> ReadScopes(Dictionary<string, List<string>> claims)
    {
        // RFC 8693 §4.2 / RFC 9068 §2.2.3: "scope" is one space-separated string; Entra ID uses "scp".
        List<string>? raw = null;
        if (_scopeClaim is not null)
        {
            claims.TryGetValue(_scopeClaim, out raw);
        }
        else if (!claims.TryGetValue("scope", out raw))
        {
            claims.TryGetValue("scp", out raw);
        }

        var scopes = new List<string>();
        foreach (var value in raw ?? [])
        {
            foreach (var part in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                scopes.Add(part);
            }
        }

        return scopes;
    }


    private static string StripApplication(string type) =>
        type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? type["application/".Length..] : type;

    private static string Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not-yet-valid",
        SecurityTokenNoExpirationException => "no-expiry",
        SecurityTokenInvalidLifetimeException => "lifetime",
        SecurityTokenInvalidIssuerException => "issuer",
        SecurityTokenInvalidAudienceException => "audience",
        SecurityTokenInvalidAlgorithmException => "algorithm",
        SecurityTokenSignatureKeyNotFoundException => "unknown-kid",
        SecurityTokenInvalidSignatureException => "signature",
        SecurityTokenMalformedException => "malformed",
        _ => "invalid",
    };
}
