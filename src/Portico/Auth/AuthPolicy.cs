using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>
/// A compiled authentication policy, built once per snapshot. It reads the request's credential, verifies it and
/// returns a verified identity or a typed failure; it never throws for bad input.
/// </summary>
internal abstract class AuthPolicy(string name, string method)
{
    /// <summary>The policy id in the registry.</summary>
    public string Name { get; } = name;

    /// <summary>The method recorded in the identity and metrics: <c>apiKey</c>, <c>jwt</c>, <c>introspection</c>, <c>mtls</c>…</summary>
    public string Method { get; } = method;

    /// <summary>The <c>WWW-Authenticate</c> challenge(s) sent when the request carries no credential.</summary>
    public abstract string Challenge { get; }

    public abstract ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context);
}
