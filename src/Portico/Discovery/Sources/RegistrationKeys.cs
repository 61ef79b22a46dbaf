using Microsoft.AspNetCore.Http;
using Portico.Auth;
using Portico.Pipeline;
using Portico.Registry;

namespace Portico.Discovery.Sources;

/// <summary>
/// Registration keys (issue 15: "a service registers itself with its own credential"): a key listed in a backend's
/// <c>discovery.registration.keys</c> lets its holder register, renew and deregister instances of that backend, and
/// call nothing else. Stored as the key's SHA-256 and compared in constant time, like admin and consumer keys.
/// </summary>
internal static class RegistrationKeys
{
    /// <summary>The method recorded for callers that present a registration key.</summary>
    public const string Method = "registrationKey";

    private static readonly byte[] NoHash = new byte[32];

    /// <summary>The backend whose registration key <paramref name="key"/> is, with the identity it stands for; null when it is none.</summary>
    public static (string BackendId, GatewayIdentity Identity)? Verify(GatewaySnapshot snapshot, string key)
    {
        if (ApiKeyFormat.IdOf(key) is not { } id)
        {
            return null;
        }

        foreach (var backend in snapshot.Backends.Values)
        {
            if (backend.Cluster?.Source is RegistrationSource source && source.Settings.Registration.Keys.TryGetValue(id, out var hash))
            {
                return ApiKeyFormat.Matches(key, hash) ? (backend.Id, new GatewayIdentity { Subject = id, Method = Method }) : null;
            }
        }

        _ = ApiKeyFormat.Matches(key, NoHash); // an unknown id costs one hash too
        return null;
    }

    /// <summary>
    /// Whether a holder of <paramref name="backendId"/>'s registration key may make this call: <c>PUT</c> (register, renew)
    /// or <c>DELETE</c> (deregister) on <c>{prefix}/admin/backends/{backendId}/instances</c>, and nothing else.
    /// </summary>
    public static bool Permits(string backendId, string method, string adminPath, string endpointSubpath) =>
        (HttpMethods.IsPut(method) || HttpMethods.IsDelete(method))
        && adminPath == BackendsEndpoint.EndpointPath
        && endpointSubpath.Length == backendId.Length + 1 + BackendsEndpoint.InstancesPath.Length
        && endpointSubpath.StartsWith('/')
        && endpointSubpath.AsSpan(1).StartsWith(backendId, StringComparison.Ordinal)
        && endpointSubpath.EndsWith(BackendsEndpoint.InstancesPath, StringComparison.Ordinal);
}
