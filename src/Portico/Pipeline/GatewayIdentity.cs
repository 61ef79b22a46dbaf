namespace Portico.Pipeline;

/// <summary>
/// The verified identity of the caller, set by authentication and read by authorization, rate limiting,
/// aggregation templates and the identity headers sent upstream. <see cref="Anonymous"/> until a policy
/// authenticates the request.
/// </summary>
public sealed class GatewayIdentity
{
    /// <summary>The identity of an unauthenticated request.</summary>
    public static readonly GatewayIdentity Anonymous = new() { Method = "anonymous" };

    /// <summary>The registry consumer the caller was mapped to, if any.</summary>
    public string? ConsumerId { get; init; }

    /// <summary>The subject (a token's <c>sub</c>, a certificate subject, the consumer id for API keys).</summary>
    public string? Subject { get; init; }

    /// <summary>How the caller was authenticated: <c>anonymous</c>, <c>apiKey</c>, <c>jwt</c>, <c>introspection</c>, <c>mtls</c>.</summary>
    public required string Method { get; init; }

    /// <summary>Granted scopes.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Granted roles.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Other verified claims, by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Claims { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Whether a policy other than <c>anonymous</c> verified the caller.</summary>
    public bool IsAuthenticated => !ReferenceEquals(this, Anonymous) && Method != "anonymous";

    /// <summary>
    /// The identity's upstream header values, computed once by the first request that forwards it: an identity is
    /// immutable and, for API keys and remembered tokens, shared by many requests.
    /// </summary>
    internal string?[]? ForwardedHeaderValues { get; set; }
}
