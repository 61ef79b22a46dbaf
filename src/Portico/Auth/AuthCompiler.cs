using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.Auth;

/// <summary>
/// Validates and compiles the registry's authentication policies, declared API keys and each route's auth settings,
/// once per snapshot. Every error names the item and the field. Each policy type has its compiler
/// (<see cref="JwtPolicyCompiler"/>, <see cref="IntrospectionPolicyCompiler"/>, <see cref="MtlsPolicyCompiler"/>; API key
/// policies and the <c>anyOf</c>/<c>allOf</c> combinations are compiled here). Long-lived parts (issuer keys,
/// introspection caches) come from <see cref="AuthSources"/>, so they survive reloads that leave them unchanged.
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
    private readonly AuthOptions _options = options.Value.Auth;
    private readonly JwtPolicyCompiler _jwt = new(sources, options.Value.Auth.Realm, time);
    private readonly IntrospectionPolicyCompiler _introspection = new(sources, secrets, options.Value.Auth.Realm, time, logger);
    private readonly MtlsPolicyCompiler _mtls = new(options.Value.Auth, time);

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

    /// <summary>
    /// Policy <paramref name="id"/>, compiled once (a combination compiles the policies it names first); null, and
    /// remembered as such, when it has errors.
    /// </summary>
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
        else if (CheckSettings(definition, Error))
        {
            policy = definition.Type switch
            {
                "apiKey" => CompileApiKey(definition, declared, Error),
                "jwt" => _jwt.Compile(definition, Error),
                "introspection" => _introspection.Compile(definition, Error),
                "mtls" => _mtls.Compile(definition, consumers, Error),
                "anyOf" or "allOf" => CompileCombination(definition, part => Resolve(part, definitions, compiled, visiting, declared, consumers, errors), definitions.ContainsKey, visiting, Error),
                _ => null,
            };
        }

        compiled[id] = policy;
        return policy;
    }

    /// <summary>
    /// <c>anyOf</c> / <c>allOf</c>: the <c>policies</c> named, tried in order; each defined, compiled without errors,
    /// never <c>anonymous</c>, and never leading back to this combination.
    /// </summary>
    private static AuthPolicy? CompileCombination(
        AuthPolicyDefinition definition, Func<string, AuthPolicy?> resolve, Func<string, bool> isDefined, HashSet<string> visiting, Action<string, string> error)
    {
        var id = definition.Id;
        visiting.Add(id);
        var parts = new List<AuthPolicy>();
        var ok = true;
        foreach (var part in definition.Policies!)
        {
            if (part == AnonymousPolicy.PolicyName)
            {
                error("policies", "'anonymous' cannot be combined: it would let every failed credential through");
                ok = false;
            }
            else if (!isDefined(part))
            {
                error("policies", $"unknown authentication policy '{part}'");
                ok = false;
            }
            else if (visiting.Contains(part))
            {
                error("policies", $"'{part}' refers back to '{id}': combinations cannot form a cycle");
                ok = false;
            }
            else if (resolve(part) is { } resolved)
            {
                parts.Add(resolved);
            }
            else
            {
                ok = false;
            }
        }

        visiting.Remove(id);
        if (!ok)
        {
            return null;
        }

        return definition.Type == "anyOf" ? new AnyOfPolicy(id, [.. parts]) : new AllOfPolicy(id, [.. parts]);
    }

    /// <summary><c>type</c>, and only the settings object of that type (<c>policies</c> for combinations, not empty).</summary>
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

    /// <summary><c>apiKey</c>: the <c>header</c> (a token) and the <c>queryParameter</c> (a plain name) the key is read from.</summary>
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

    /// <summary>
    /// <c>apiKeys[]</c>: an <c>id</c> made by <c>portico keys create</c>, a SHA-256 <c>hash</c>, a known <c>consumer</c>
    /// with at most two active keys, a known <c>status</c>; the keys without errors.
    /// </summary>
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
}
