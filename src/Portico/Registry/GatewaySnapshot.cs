using Portico.Auth;
using Portico.Configuration;
using Portico.Proxy;
using Portico.Routing;

namespace Portico.Registry;

/// <summary>
/// One immutable, compiled version of the registry. Requests read it without locks; a reload builds a new one
/// and swaps the reference, so in-flight requests finish on the snapshot they started with.
/// </summary>
internal sealed class GatewaySnapshot
{
    private string? _contentHash;

    /// <summary>The placeholder before the first successful load: every request gets 503.</summary>
    public static readonly GatewaySnapshot NotLoaded = new(new RegistryDocument(), "", DateTimeOffset.MinValue, new RouteTable([]), new Dictionary<string, CompiledBackend>(), isLoaded: false);

    public GatewaySnapshot(
        RegistryDocument document,
        string revision,
        DateTimeOffset loadedAt,
        RouteTable routes,
        IReadOnlyDictionary<string, CompiledBackend> backends,
        bool isLoaded = true,
        IReadOnlyDictionary<string, AuthPolicy>? authPolicies = null)
    {
        AuthPolicies = authPolicies ?? new Dictionary<string, AuthPolicy>();
        Backends = backends;
        Consumers = document.Consumers.ToDictionary(c => c.Id, StringComparer.Ordinal);
        Document = document;
        Revision = revision;
        LoadedAt = loadedAt;
        Routes = routes;
        IsLoaded = isLoaded;
    }

    /// <summary>The registry content this snapshot was compiled from.</summary>
    public RegistryDocument Document { get; }

    /// <summary>The store's revision marker when it was loaded.</summary>
    public string Revision { get; }

    /// <summary>
    /// Hash of the canonical content, to tell a real change from a touched file or a bumped revision (empty before the
    /// first load). Computed when first asked for (by the next reload or the admin API), not at start-up: its SHA-256
    /// is what would otherwise load the cryptography library (OpenSSL) before the first answer (docs/performance.md).
    /// </summary>
    public string ContentHash => _contentHash ??= IsLoaded ? RegistryDiff.ContentHash(Document) : "";

    public DateTimeOffset LoadedAt { get; }

    public RouteTable Routes { get; }

    /// <summary>Backends by id.</summary>
    public IReadOnlyDictionary<string, CompiledBackend> Backends { get; }

    /// <summary>Compiled authentication policies by id (<c>anonymous</c> included), for users outside routes such as the admin policy.</summary>
    public IReadOnlyDictionary<string, AuthPolicy> AuthPolicies { get; }

    /// <summary>Consumers by id.</summary>
    public IReadOnlyDictionary<string, ConsumerDefinition> Consumers { get; }

    public bool IsLoaded { get; }
}
