using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.Auth;

/// <summary>
/// Validates and compiles the registry's authentication policies, declared API keys and each route's auth settings,
/// once per snapshot. Every error names the item and the field. Long-lived parts (issuer keys, introspection caches)
/// come from <see cref="AuthSources"/>, so they survive reloads that leave them unchanged.
/// </summary>
internal sealed class AuthCompiler(
    IOptions<PorticoOptions> options,
    AuthSources sources,
    AuthSecrets secrets,
    ApiKeyLookup keyLookup,
    GatewayTokenIssuer tokenIssuer,
    TimeProvider time,
    ILogger<AuthCompiler> logger)
{
    /// <summary>Asymmetric JWS algorithms (RFC 7518 §3.1). HMAC is never accepted: a gateway must not share a signing secret.</summary>
    public static readonly FrozenSet<string> SupportedAlgorithms =
        new[] { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly string[] DefaultAlgorithms = ["RS256", "ES256"];
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private readonly AuthOptions _options = options.Value.Auth;

    public CompiledAuth Compile(RegistryDocument document, CompileErrors errors)
    {
        var keys = CheckApiKeys(document, errors);
        var declared = ApiKeyLookup.Index(keys);
        var definitions = new Dictionary<string, (AuthPolicyDefinition Definition, int Index)>(StringComparer.Ordinal);
        for (int i = 0; i < document.AuthPolicies.Count; i++)
        {
            definitions.TryAdd(document.AuthPolicies[i].Id, (document.AuthPolicies[i], i));
        }

        var compiled = new Dictionary<string, AuthPolicy?>(StringComparer.Ordinal);
        var consumers = document.Consumers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < document.AuthPolicies.Count; i++)
        {
            Resolve(document.AuthPolicies[i].Id, definitions, compiled, [], declared, consumers, errors);
        }

        var policies = new Dictionary<string, AuthPolicy>(StringComparer.Ordinal) { [AnonymousPolicy.PolicyName] = AnonymousPolicy.Instance };
        foreach (var (name, policy) in compiled)
        {
            if (policy is not null)
            {
                policies.TryAdd(name, policy);
            }
        }

        return new CompiledAuth(policies, definitions.Keys.ToHashSet(StringComparer.Ordinal), tokenIssuer.IsConfigured);
    }

    private AuthPolicy? Resolve(
        string id,
        Dictionary<string, (AuthPolicyDefinition Definition, int Index)> definitions,
        Dictionary<string, AuthPolicy?> compiled,
        HashSet<string> visiting,
        FrozenDictionary<string, ApiKeyRecord> declared,
        HashSet<string> consumers,
        CompileErrors errors)
    {
        if (compiled.TryGetValue(id, out var done))
        {
            return done;
        }

        var (definition, index) = definitions[id];
        var subject = $"authPolicy '{id}'";
        void Error(string field, string message) => errors.Add("authPolicies", index, subject, field, message);

        AuthPolicy? policy = null;
        if (id == AnonymousPolicy.PolicyName)
        {
            Error("id", "'anonymous' is built in and cannot be redefined");
        }
        else if (!CheckSettings(definition, Error))
        {
            // reported
        }
        else
        {
            switch (definition.Type)
            {
                case "apiKey":
                    policy = CompileApiKey(definition, declared, Error);
                    break;
                case "jwt":
                    policy = CompileJwt(definition, Error);
                    break;
                case "introspection":
                    policy = CompileIntrospection(definition, Error);
                    break;
                case "mtls":
                    policy = CompileMtls(definition, consumers, Error);
                    break;
                case "anyOf" or "allOf":
                    visiting.Add(id);
                    var parts = new List<AuthPolicy>();
                    var ok = true;
                    foreach (var part in definition.Policies!)
                    {
                        if (part == AnonymousPolicy.PolicyName)
                        {
                            Error("policies", "'anonymous' cannot be combined: it would let every failed credential through");
                            ok = false;
                        }
                        else if (!definitions.ContainsKey(part))
                        {
                            Error("policies", $"unknown authentication policy '{part}'");
                            ok = false;
                        }
                        else if (visiting.Contains(part))
                        {
                            Error("policies", $"'{part}' refers back to '{id}': combinations cannot form a cycle");
                            ok = false;
                        }
                        else if (Resolve(part, definitions, compiled, visiting, declared, consumers, errors) is { } resolved)
                        {
                            parts.Add(resolved);
                        }
                        else
                        {
                            ok = false;
                        }
                    }

                    visiting.Remove(id);
                    if (ok)
                    {
                        policy = definition.Type == "anyOf" ? new AnyOfPolicy(id, [.. parts]) : new AllOfPolicy(id, [.. parts]);
                    }

                    break;
            }
        }

        compiled[id] = policy;
        return policy;
    }

    private static bool CheckSettings(AuthPolicyDefinition definition, Action<string, string> error)
    {
        var expected = definition.Type switch
        {
            "apiKey" => "apiKey",
            "jwt" => "jwt",
            "introspection" => "introspection",
            "mtls" => "mtls",
            "anyOf" or "allOf" => "policies",
            _ => null,
        };
        if (expected is null)
        {
            error("type", $"unknown policy type '{definition.Type}': use apiKey, jwt, introspection, mtls, anyOf or allOf");
            return false;
        }

        var present = new List<string>();
        if (definition.ApiKey is not null) present.Add("apiKey");
        if (definition.Jwt is not null) present.Add("jwt");
        if (definition.Introspection is not null) present.Add("introspection");
        if (definition.Mtls is not null) present.Add("mtls");
        if (definition.Policies is not null) present.Add("policies");
        foreach (var other in present.Where(p => p != expected))
        {
            error(other, $"a '{definition.Type}' policy takes no '{other}' settings");
        }

        if (expected is "jwt" or "introspection" or "mtls" or "policies" && !present.Contains(expected))
        {
            error(expected, $"a '{definition.Type}' policy needs '{expected}'");
            return false;
        }

        if (expected == "policies" && definition.Policies!.Count == 0)
        {
            error("policies", "name at least one policy");
            return false;
        }

        return present.All(p => p == expected);
    }

    private ApiKeyPolicy? CompileApiKey(AuthPolicyDefinition definition, FrozenDictionary<string, ApiKeyRecord> declared, Action<string, string> error)
    {
        var header = definition.ApiKey?.Header ?? "X-Api-Key";
        var query = definition.ApiKey?.QueryParameter ?? "api_key";
        if (!HttpToken.IsValid(header))
        {
            error("apiKey.header", $"'{header}' is not a valid header name");
            return null;
        }

        if (query.Length == 0 || query.Any(c => c is '&' or '=' or '#' or '?' || char.IsWhiteSpace(c)))
        {
            error("apiKey.queryParameter", $"'{query}' is not a plain query parameter name");
            return null;
        }

        return new ApiKeyPolicy(definition.Id, header, query, declared, keyLookup, _options.Realm);
    }

    private JwtPolicy? CompileJwt(AuthPolicyDefinition definition, Action<string, string> error)
    {
        var jwt = definition.Jwt!;
        var ok = true;
        var skew = ParseDuration(jwt.ClockSkew, TimeSpan.FromSeconds(60), "jwt.clockSkew", error, allowZero: true);
        if (skew > MaxClockSkew)
        {
            error("jwt.clockSkew", "at most 5m");
            ok = false;
        }

        var maxSize = jwt.MaxTokenSize ?? 8192;
        if (maxSize is < 256 or > 65536)
        {
            error("jwt.maxTokenSize", "between 256 and 65536 characters");
            ok = false;
        }

        if (jwt.Issuers.Count == 0)
        {
            error("jwt.issuers", "name at least one issuer");
            return null;
        }

        var issuers = new List<JwtIssuer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < jwt.Issuers.Count; i++)
        {
            var field = $"jwt.issuers[{i}]";
            var issuer = jwt.Issuers[i];
            if (string.IsNullOrWhiteSpace(issuer.Issuer))
            {
                error(field + ".issuer", "must not be empty");
                ok = false;
                continue;
            }

            if (!seen.Add(issuer.Issuer))
            {
                error(field + ".issuer", $"'{issuer.Issuer}' is listed twice");
                ok = false;
                continue;
            }

            if (CompileIssuer(issuer, field, skew ?? TimeSpan.FromSeconds(60), error) is { } compiled)
            {
                issuers.Add(compiled);
            }
            else
            {
                ok = false;
            }
        }

        if (skew is null || !ok)
        {
            return null;
        }

        return new JwtPolicy(definition.Id, issuers, jwt.TokenType, maxSize, jwt.ScopeClaim, jwt.RoleClaim, jwt.ConsumerClaim, jwt.RequireConsumer ?? false, _options.Realm, time);
    }

    private JwtIssuer? CompileIssuer(JwtIssuerDefinition issuer, string field, TimeSpan skew, Action<string, string> error)
    {
        var ok = true;
        if (issuer.Audiences.Count == 0 || issuer.Audiences.Any(string.IsNullOrWhiteSpace))
        {
            error(field + ".audiences", "name at least one audience, none empty");
            ok = false;
        }

        var algorithms = issuer.Algorithms ?? DefaultAlgorithms;
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

        var sourceCount = (issuer.DiscoveryUrl is null ? 0 : 1) + (issuer.JwksUrl is null ? 0 : 1) + (issuer.Jwks is null ? 0 : 1) + (issuer.PublicKeys is null ? 0 : 1);
        if (sourceCount != 1)
        {
            error(field, "set exactly one key source: 'discoveryUrl', 'jwksUrl', 'jwks' or 'publicKeys'");
            return null;
        }

        var requireHttps = issuer.RequireHttps ?? true;
        var refresh = ParseDuration(issuer.RefreshInterval, TimeSpan.FromHours(1), field + ".refreshInterval", error);
        var minRefresh = ParseDuration(issuer.MinRefreshInterval, TimeSpan.FromMinutes(5), field + ".minRefreshInterval", error);
        if (refresh is null || minRefresh is null)
        {
            return null;
        }

        if (minRefresh > refresh)
        {
            error(field + ".minRefreshInterval", "must not be longer than refreshInterval");
            ok = false;
        }

        IssuerKeys? keys = null;
        if ((issuer.DiscoveryUrl ?? issuer.JwksUrl) is { } url)
        {
            var urlField = field + (issuer.DiscoveryUrl is null ? ".jwksUrl" : ".discoveryUrl");
            if (CheckUrl(url, requireHttps, urlField, error))
            {
                keys = sources.IssuerKeys(issuer.Issuer, url, issuer.DiscoveryUrl is not null, requireHttps, refresh.Value, minRefresh.Value);
            }
        }
        else if (issuer.Jwks is { } jwks)
        {
            try
            {
                var set = new IssuerKeySet(new JsonWebKeySet(jwks.GetRawText()).Keys);
                if (set.Count == 0)
                {
                    error(field + ".jwks", "holds no RSA or EC signing key");
                }
                else
                {
                    keys = new StaticIssuerKeys(set);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException or InvalidOperationException)
            {
                error(field + ".jwks", "is not a JWKS document ({\"keys\": [...]})");
            }
        }
        else
        {
            var parsed = new List<JsonWebKey>();
            for (int k = 0; k < issuer.PublicKeys!.Count; k++)
            {
                if (PublicKeyFromPem(issuer.PublicKeys[k]) is { } key)
                {
                    parsed.Add(key);
                }
                else
                {
                    error($"{field}.publicKeys[{k}]", "is not a PEM RSA or EC public key or certificate");
                }
            }

            if (parsed.Count == issuer.PublicKeys.Count && parsed.Count > 0)
            {
                keys = new StaticIssuerKeys(new IssuerKeySet(parsed));
            }
            else if (issuer.PublicKeys.Count == 0)
            {
                error(field + ".publicKeys", "name at least one key");
            }
        }

        return ok && keys is not null ? new JwtIssuer(issuer.Issuer, issuer.Audiences, algorithms, keys, skew, time) : null;
    }

    private IntrospectionPolicy? CompileIntrospection(AuthPolicyDefinition definition, Action<string, string> error)
    {
        var settings = definition.Introspection!;
        var ok = CheckUrl(settings.Endpoint, settings.RequireHttps ?? true, "introspection.endpoint", error);
        if (string.IsNullOrWhiteSpace(settings.ClientId))
        {
            error("introspection.clientId", "must not be empty");
            ok = false;
        }

        if (string.IsNullOrWhiteSpace(settings.ClientSecretSetting))
        {
            error("introspection.clientSecretSetting", "name the gateway setting that holds the client secret");
            ok = false;
        }

        var cache = ParseDuration(settings.CacheDuration, TimeSpan.FromMinutes(5), "introspection.cacheDuration", error, allowZero: true);
        var inactive = ParseDuration(settings.InactiveCacheDuration, TimeSpan.FromSeconds(10), "introspection.inactiveCacheDuration", error, allowZero: true);
        var timeout = ParseDuration(settings.Timeout, TimeSpan.FromSeconds(5), "introspection.timeout", error);
        if (timeout > TimeSpan.FromSeconds(30))
        {
            error("introspection.timeout", "at most 30s");
            ok = false;
        }

        if (settings.UnavailableStatus is not (null or 401 or 503))
        {
            error("introspection.unavailableStatus", "must be 401 or 503");
            ok = false;
        }

        var maxSize = settings.MaxTokenSize ?? 4096;
        if (maxSize is < 16 or > 65536)
        {
            error("introspection.maxTokenSize", "between 16 and 65536 characters");
            ok = false;
        }

        if (!ok || cache is null || inactive is null || timeout is null)
        {
            return null;
        }

        IntrospectionClient? client = null;
        if (secrets.Get(settings.ClientSecretSetting) is { } secret)
        {
            client = sources.Introspection(new Uri(settings.Endpoint), settings.ClientId, secret, cache.Value, inactive.Value, timeout.Value);
        }
        else
        {
            AuthLog.IntrospectionSecretMissing(logger, definition.Id, settings.ClientSecretSetting);
        }

        return new IntrospectionPolicy(
            definition.Id, client, time, maxSize, settings.UnavailableStatus == 401,
            settings.Audiences is { Count: > 0 } audiences ? [.. audiences] : null, settings.ConsumerClaim ?? "client_id", _options.Realm);
    }

    private MtlsPolicy? CompileMtls(AuthPolicyDefinition definition, HashSet<string> consumers, Action<string, string> error)
    {
        var settings = definition.Mtls!;
        var ok = true;
        var authorities = new X509Certificate2Collection();
        var cas = settings.CaCertificates ?? [];
        for (int i = 0; i < cas.Count; i++)
        {
            try
            {
                authorities.Add(X509Certificate2.CreateFromPem(cas[i]));
            }
            catch (CryptographicException)
            {
                error($"mtls.caCertificates[{i}]", "is not a PEM certificate");
                ok = false;
            }
        }

        var pins = settings.Thumbprints ?? [];
        for (int i = 0; i < pins.Count; i++)
        {
            if (!MtlsPolicy.LooksLikeThumbprint(pins[i]))
            {
                error($"mtls.thumbprints[{i}]", "must be a SHA-256 thumbprint: 64 hex digits");
                ok = false;
            }
        }

        if (cas.Count == 0 && pins.Count == 0)
        {
            error("mtls", "name 'caCertificates' or 'thumbprints': with neither, no certificate could pass");
            ok = false;
        }

        foreach (var (_, consumer) in settings.Consumers ?? new Dictionary<string, string>())
        {
            if (!consumers.Contains(consumer))
            {
                error("mtls.consumers", $"unknown consumer '{consumer}'");
                ok = false;
            }
        }

        return ok
            ? new MtlsPolicy(definition.Id, authorities, pins, settings.CheckRevocation ?? false, settings.Consumers ?? new Dictionary<string, string>(), _options.ClientCertificates, time, _options.Realm)
            : null;
    }

    private static List<ApiKeyDefinition> CheckApiKeys(RegistryDocument document, CompileErrors errors)
    {
        var consumers = document.Consumers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var active = new Dictionary<string, int>(StringComparer.Ordinal);
        var valid = new List<ApiKeyDefinition>();
        for (int i = 0; i < document.ApiKeys.Count; i++)
        {
            var key = document.ApiKeys[i];
            var subject = $"apiKey '{key.Id}'";
            var before = errors.Count;
            if (!ApiKeyFormat.IsValidId(key.Id))
            {
                errors.Add("apiKeys", i, subject, "id", "must be the 12-character id of a key made by 'portico keys create'");
            }

            if (ApiKeyRecord.ParseHash(key.Hash) is null)
            {
                errors.Add("apiKeys", i, subject, "hash", "must be a SHA-256 hash: 64 hex digits");
            }

            if (!consumers.Contains(key.Consumer))
            {
                errors.Add("apiKeys", i, subject, "consumer", $"unknown consumer '{key.Consumer}'");
            }

            if (key.Status is not (null or "active" or "revoked"))
            {
                errors.Add("apiKeys", i, subject, "status", "must be 'active' or 'revoked'");
            }
            else if (key.Status is null or "active")
            {
                active[key.Consumer] = active.GetValueOrDefault(key.Consumer) + 1;
                if (active[key.Consumer] > 2)
                {
                    errors.Add("apiKeys", i, subject, "consumer", $"consumer '{key.Consumer}' already has two active keys (the most, for rotation): revoke one first");
                }
            }

            if (errors.Count == before)
            {
                valid.Add(key);
            }
        }

        return valid;
    }

    private static TimeSpan? ParseDuration(string? text, TimeSpan fallback, string field, Action<string, string> error, bool allowZero = false)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!Duration.TryParse(text, out var value) || value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            error(field, $"'{text}' is not a {(allowZero ? "non-negative" : "positive")} duration such as '30s' or '5m'");
            return null;
        }

        return value;
    }

    private static bool CheckUrl(string url, bool requireHttps, string field, Action<string, string> error)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.UserInfo.Length > 0)
        {
            error(field, $"'{url}' is not an absolute http or https URL without credentials");
            return false;
        }

        if (requireHttps && uri.Scheme != Uri.UriSchemeHttps)
        {
            error(field, "must be https (set 'requireHttps': false only for local test issuers)");
            return false;
        }

        return true;
    }

    private static JsonWebKey? PublicKeyFromPem(string pem)
    {
        try
        {
            if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                return null; // a public key is all the gateway needs; refuse to hold a private one
            }

            if (pem.Contains("CERTIFICATE", StringComparison.Ordinal))
            {
                using var certificate = X509Certificate2.CreateFromPem(pem);
                using var rsaKey = certificate.GetRSAPublicKey();
                using var ecKey = certificate.GetECDsaPublicKey();
                return rsaKey is not null ? Jwk(rsaKey) : ecKey is not null ? Jwk(ecKey) : null;
            }

            try
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return Jwk(rsa);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                using var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return Jwk(ec);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    private static JsonWebKey Jwk(RSA rsa)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }

    private static JsonWebKey Jwk(ECDsa ec)
    {
        using var copy = ECDsa.Create(ec.ExportParameters(false));
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(copy));
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }
}
