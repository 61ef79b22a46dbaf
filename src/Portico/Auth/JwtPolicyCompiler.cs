using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;
using Portico.Configuration;

namespace Portico.Auth;

/// <summary>
/// Compiles a <c>jwt</c> policy (docs/configuration.md, <c>authPolicies[]</c> and <c>jwt.issuers[]</c>): the policy's
/// <c>clockSkew</c>, <c>maxTokenSize</c> and <c>issuers</c>, and for each issuer its <c>audiences</c>,
/// <c>algorithms</c>, exactly one key source (<c>discoveryUrl</c>, <c>jwksUrl</c>, <c>jwks</c> or <c>publicKeys</c>)
/// and the refresh intervals of fetched keys. Fetched keys come from <see cref="AuthSources"/>, so they outlive the snapshot.
/// </summary>
internal sealed class JwtPolicyCompiler(AuthSources sources, string realm, TimeProvider time)
{
    /// <summary>Asymmetric JWS algorithms (RFC 7518 §3.1). HMAC is never accepted: a gateway must not share a signing secret.</summary>
    public static readonly FrozenSet<string> SupportedAlgorithms =
        new[] { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly string[] DefaultAlgorithms = ["RS256", "ES256"];
    private static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The policy named by <paramref name="definition"/>; null after reporting every problem.</summary>
    public JwtPolicy? Compile(AuthPolicyDefinition definition, Action<string, string> error)
    {
        var jwt = definition.Jwt!;
        var ok = true;
        var skew = AuthFields.ParseDuration(jwt.ClockSkew, DefaultClockSkew, "jwt.clockSkew", error, allowZero: true);
        if (skew > MaxClockSkew)
        {
            error("jwt.clockSkew", "at most 5m");
            ok = false;
        }

        ok &= AuthFields.CheckTokenSize(jwt.MaxTokenSize, 8192, 256, "jwt.maxTokenSize", error, out var maxSize);

        var issuers = CompileIssuers(jwt.Issuers, skew ?? DefaultClockSkew, error);
        if (skew is null || !ok || issuers is null)
        {
            return null;
        }

        return new JwtPolicy(definition.Id, issuers, jwt.TokenType, maxSize, jwt.ScopeClaim, jwt.RoleClaim, jwt.ConsumerClaim, jwt.RequireConsumer ?? false, realm, time);
    }

    /// <summary><c>jwt.issuers</c>: at least one, each <c>issuer</c> named once; null when any is unusable.</summary>
    private List<JwtIssuer>? CompileIssuers(IReadOnlyList<JwtIssuerDefinition> definitions, TimeSpan skew, Action<string, string> error)
    {
        if (definitions.Count == 0)
        {
            error("jwt.issuers", "name at least one issuer");
            return null;
        }

        var ok = true;
        var issuers = new List<JwtIssuer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < definitions.Count; i++)
        {
            var field = $"jwt.issuers[{i}]";
            var issuer = definitions[i];
            if (string.IsNullOrWhiteSpace(issuer.Issuer))
            {
                error(field + ".issuer", "must not be empty");
                ok = false;
            }
            else if (!seen.Add(issuer.Issuer))
            {
                error(field + ".issuer", $"'{issuer.Issuer}' is listed twice");
                ok = false;
            }
            else if (CompileIssuer(issuer, field, skew, error) is { } compiled)
            {
                issuers.Add(compiled);
            }
            else
            {
                ok = false;
            }
        }

        return ok ? issuers : null;
    }

    /// <summary>One <c>jwt.issuers[]</c> item; null after reporting its problems under <paramref name="field"/>.</summary>
    private JwtIssuer? CompileIssuer(JwtIssuerDefinition issuer, string field, TimeSpan skew, Action<string, string> error)
    {
        var ok = CheckAudiences(issuer.Audiences, field, error);
        var algorithms = issuer.Algorithms ?? DefaultAlgorithms;
        ok &= CheckAlgorithms(algorithms, field, error);
        if (!CheckOneKeySource(issuer, field, error))
        {
            return null;
        }

        var refresh = AuthFields.ParseDuration(issuer.RefreshInterval, TimeSpan.FromHours(1), field + ".refreshInterval", error);
        var minRefresh = AuthFields.ParseDuration(issuer.MinRefreshInterval, TimeSpan.FromMinutes(5), field + ".minRefreshInterval", error);
        if (refresh is null || minRefresh is null)
        {
            return null;
        }

        if (minRefresh > refresh)
        {
            error(field + ".minRefreshInterval", "must not be longer than refreshInterval");
            ok = false;
        }

        IssuerKeys? keys = issuer.DiscoveryUrl is not null || issuer.JwksUrl is not null
            ? CompileFetchedKeys(issuer, field, refresh.Value, minRefresh.Value, error)
            : issuer.Jwks is { } jwks
                ? CompileJwks(jwks, field, error)
                : CompilePublicKeys(issuer.PublicKeys!, field, error);
        return ok && keys is not null ? new JwtIssuer(issuer.Issuer, issuer.Audiences, algorithms, keys, skew, time) : null;
    }

    /// <summary><c>audiences</c>: at least one, none empty.</summary>
    private static bool CheckAudiences(IReadOnlyList<string> audiences, string field, Action<string, string> error)
    {
        if (audiences.Count == 0 || audiences.Any(string.IsNullOrWhiteSpace))
        {
            error(field + ".audiences", "name at least one audience, none empty");
            return false;
        }

        return true;
    }

    /// <summary><c>algorithms</c>: at least one, each an asymmetric JWS algorithm.</summary>
    private static bool CheckAlgorithms(IReadOnlyList<string> algorithms, string field, Action<string, string> error)
    {
        var ok = true;
        foreach (var algorithm in algorithms)
        {
            if (!SupportedAlgorithms.Contains(algorithm))
            {
                error(field + ".algorithms", $"'{algorithm}' is not allowed: use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512");
                ok = false;
            }
        }

        if (algorithms.Count == 0)
        {
            error(field + ".algorithms", "name at least one algorithm");
            ok = false;
        }

        return ok;
    }

    /// <summary>Exactly one of <c>discoveryUrl</c>, <c>jwksUrl</c>, <c>jwks</c> and <c>publicKeys</c>.</summary>
    private static bool CheckOneKeySource(JwtIssuerDefinition issuer, string field, Action<string, string> error)
    {
        var sourceCount = (issuer.DiscoveryUrl is null ? 0 : 1) + (issuer.JwksUrl is null ? 0 : 1) + (issuer.Jwks is null ? 0 : 1) + (issuer.PublicKeys is null ? 0 : 1);
        if (sourceCount != 1)
        {
            error(field, "set exactly one key source: 'discoveryUrl', 'jwksUrl', 'jwks' or 'publicKeys'");
            return false;
        }

        return true;
    }

    /// <summary><c>discoveryUrl</c> or <c>jwksUrl</c> (https unless <c>requireHttps</c> is false): keys fetched and refreshed.</summary>
    private RemoteIssuerKeys? CompileFetchedKeys(JwtIssuerDefinition issuer, string field, TimeSpan refresh, TimeSpan minRefresh, Action<string, string> error)
    {
        var url = (issuer.DiscoveryUrl ?? issuer.JwksUrl)!;
        var urlField = field + (issuer.DiscoveryUrl is null ? ".jwksUrl" : ".discoveryUrl");
        var requireHttps = issuer.RequireHttps ?? true;
        return AuthFields.CheckUrl(url, requireHttps, urlField, error)
            ? sources.IssuerKeys(issuer.Issuer, url, issuer.DiscoveryUrl is not null, requireHttps, refresh, minRefresh)
            : null;
    }

    /// <summary><c>jwks</c>: a JWKS document holding at least one RSA or EC signing key.</summary>
    private static StaticIssuerKeys? CompileJwks(System.Text.Json.JsonElement jwks, string field, Action<string, string> error)
    {
        try
        {
            var set = new IssuerKeySet(new JsonWebKeySet(jwks.GetRawText()).Keys);
            if (set.Count > 0)
            {
                return new StaticIssuerKeys(set);
            }

            error(field + ".jwks", "holds no RSA or EC signing key");
        }
        catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException or InvalidOperationException)
        {
            error(field + ".jwks", "is not a JWKS document ({\"keys\": [...]})");
        }

        return null;
    }

    /// <summary><c>publicKeys</c>: at least one, each a PEM RSA or EC public key or certificate.</summary>
    private static StaticIssuerKeys? CompilePublicKeys(IReadOnlyList<string> pems, string field, Action<string, string> error)
    {
        var parsed = new List<JsonWebKey>();
        for (int k = 0; k < pems.Count; k++)
        {
            if (PublicKeyPem.ToJsonWebKey(pems[k]) is { } key)
            {
                parsed.Add(key);
            }
            else
            {
                error($"{field}.publicKeys[{k}]", "is not a PEM RSA or EC public key or certificate");
            }
        }

        if (parsed.Count == pems.Count && parsed.Count > 0)
        {
            return new StaticIssuerKeys(new IssuerKeySet(parsed));
        }

        if (pems.Count == 0)
        {
            error(field + ".publicKeys", "name at least one key");
        }

        return null;
    }
}
