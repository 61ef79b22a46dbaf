namespace Portico.Discovery.Sources;

/// <summary>A backend's discovery source as compiled from its <c>discovery</c> block: validated, defaults filled in, bounds applied.</summary>
internal sealed record DiscoverySettings
{
    /// <summary>The source type as the registry names it: <c>registration</c>, <c>dns</c> or <c>etcd</c>.</summary>
    public required string Type { get; init; }

    public required string BackendId { get; init; }

    /// <summary>The block's canonical JSON: a source is kept across reloads while its backend and this stay the same.</summary>
    public required string Key { get; init; }

    public string Host { get; init; } = "";

    /// <summary><c>a</c> or <c>srv</c>.</summary>
    public string Record { get; init; } = "a";

    public int Port { get; init; }

    public string Scheme { get; init; } = "http";

    /// <summary>The path prefix of DNS destinations, without a trailing slash ("" for none).</summary>
    public string Path { get; init; } = "";

    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    public string Prefix { get; init; } = "";

    /// <summary>Principals allowed to register instances; null for any admin.</summary>
    public IReadOnlySet<string>? Registrants { get; init; }

    /// <summary>With <c>registration</c>: its keys and the bounds on what may be registered.</summary>
    public RegistrationSettings Registration { get; init; } = RegistrationSettings.Default;

    public TimeSpan RefreshInterval { get; init; }

    public TimeSpan MinTtl { get; init; }

    public TimeSpan MaxTtl { get; init; }

    public int MaxDestinations { get; init; }
}
