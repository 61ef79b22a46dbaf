namespace Portico.Configuration;

/// <summary>An <c>mtls</c> policy: a client certificate that chains to a trusted CA or matches a pinned thumbprint.</summary>
public sealed record MtlsPolicyDefinition
{
    /// <summary>Trusted CA certificates (PEM). A certificate is accepted when it chains to one of them.</summary>
    public IReadOnlyList<string>? CaCertificates { get; init; }

    /// <summary>Pinned client certificates by SHA-256 thumbprint (hex); accepted without a chain.</summary>
    public IReadOnlyList<string>? Thumbprints { get; init; }

    /// <summary>Whether revocation is checked (online). Default false.</summary>
    public bool? CheckRevocation { get; init; }

    /// <summary>Maps a certificate's SHA-256 thumbprint (hex) or subject (for example <c>CN=partner-a</c>) to a consumer id.</summary>
    public IReadOnlyDictionary<string, string>? Consumers { get; init; }
}
