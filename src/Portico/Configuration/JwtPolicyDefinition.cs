namespace Portico.Configuration;

/// <summary>A <c>jwt</c> policy: bearer JSON Web Tokens (RFC 7519) from one or more trusted issuers.</summary>
public sealed record JwtPolicyDefinition
{
    /// <summary>The trusted issuers; a token is checked against the one its <c>iss</c> names exactly.</summary>
    public required IReadOnlyList<JwtIssuerDefinition> Issuers { get; init; }

    /// <summary>
    /// Required <c>typ</c> header, for example <c>at+jwt</c> (RFC 9068) so an ID token is never taken for an access
    /// token. Compared case-insensitively, with or without <c>application/</c>. Any type when absent.
    /// </summary>
    public string? TokenType { get; init; }

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c>. Default <c>60s</c>.</summary>
    public string? ClockSkew { get; init; }

    /// <summary>Longest token accepted, in characters. Default 8192.</summary>
    public int? MaxTokenSize { get; init; }

    /// <summary>Claim holding the granted scopes (a space-separated string or an array). Default <c>scope</c>, then <c>scp</c>.</summary>
    public string? ScopeClaim { get; init; }

    /// <summary>Claim holding the roles (an array or a string). Default <c>roles</c>.</summary>
    public string? RoleClaim { get; init; }

    /// <summary>Claim whose value names the registry consumer, for example <c>azp</c> or <c>client_id</c>. None by default.</summary>
    public string? ConsumerClaim { get; init; }

    /// <summary>When true, a token whose consumer claim names no registry consumer is refused. Default false.</summary>
    public bool? RequireConsumer { get; init; }
}
