using Microsoft.Extensions.Logging;
using Portico.Configuration;

namespace Portico.Auth;

/// <summary>
/// Compiles an <c>introspection</c> policy (RFC 7662; docs/configuration.md, <c>authPolicies[]</c>): <c>endpoint</c>,
/// <c>clientId</c>, <c>clientSecretSetting</c>, the cache durations, <c>timeout</c>, <c>unavailableStatus</c> and
/// <c>maxTokenSize</c>. The client and its cache come from <see cref="AuthSources"/>, so they outlive the snapshot.
/// </summary>
internal sealed class IntrospectionPolicyCompiler(AuthSources sources, AuthSecrets secrets, string realm, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The policy named by <paramref name="definition"/>; null after reporting every problem.</summary>
    public IntrospectionPolicy? Compile(AuthPolicyDefinition definition, Action<string, string> error)
    {
        var settings = definition.Introspection!;
        var ok = AuthFields.CheckUrl(settings.Endpoint, settings.RequireHttps ?? true, "introspection.endpoint", error);
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

        var cache = AuthFields.ParseDuration(settings.CacheDuration, TimeSpan.FromMinutes(5), "introspection.cacheDuration", error, allowZero: true);
        var inactive = AuthFields.ParseDuration(settings.InactiveCacheDuration, TimeSpan.FromSeconds(10), "introspection.inactiveCacheDuration", error, allowZero: true);
        var timeout = AuthFields.ParseDuration(settings.Timeout, TimeSpan.FromSeconds(5), "introspection.timeout", error);
        if (timeout > MaxTimeout)
        {
            error("introspection.timeout", "at most 30s");
            ok = false;
        }

        if (settings.UnavailableStatus is not (null or 401 or 503))
        {
            error("introspection.unavailableStatus", "must be 401 or 503");
            ok = false;
        }

        ok &= AuthFields.CheckTokenSize(settings.MaxTokenSize, 4096, 16, "introspection.maxTokenSize", error, out var maxSize);

        if (!ok || cache is null || inactive is null || timeout is null)
        {
            return null;
        }

        return new IntrospectionPolicy(
            definition.Id, Client(definition.Id, settings, cache.Value, inactive.Value, timeout.Value), time, maxSize, settings.UnavailableStatus == 401,
            settings.Audiences is { Count: > 0 } audiences ? [.. audiences] : null, settings.ConsumerClaim ?? "client_id", realm);
    }

    /// <summary>
    /// The endpoint's client, or null when the gateway setting holding the secret is missing: the policy then answers
    /// as when the endpoint is down, and the missing setting is logged.
    /// </summary>
    private IntrospectionClient? Client(string policyId, IntrospectionPolicyDefinition settings, TimeSpan cache, TimeSpan inactive, TimeSpan timeout)
    {
        if (secrets.Get(settings.ClientSecretSetting) is { } secret)
        {
            return sources.Introspection(new Uri(settings.Endpoint), settings.ClientId, secret, cache, inactive, timeout);
        }

        AuthLog.IntrospectionSecretMissing(logger, policyId, settings.ClientSecretSetting);
        return null;
    }
}
