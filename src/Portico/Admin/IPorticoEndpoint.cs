using Portico.Pipeline;

namespace Portico.Admin;

/// <summary>
/// An endpoint the gateway serves itself under its own prefix (default <c>/_portico</c>), the same in both hosts.
/// Features register theirs in DI. Public endpoints (health, JWKS) live outside <c>/admin</c>; every operator
/// endpoint lives under <c>/admin</c>, declares <see cref="PorticoEndpointAccess.Admin"/> and is reached only
/// through the one admin policy (docs/admin.md); the endpoint itself never checks credentials.
/// </summary>
internal interface IPorticoEndpoint
{
    /// <summary>Path below the prefix, for example <c>/health/ready</c> or <c>/admin/registry</c>.</summary>
    string Path { get; }

    /// <summary>Who may call it. Default <see cref="PorticoEndpointAccess.Public"/>.</summary>
    PorticoEndpointAccess Access => PorticoEndpointAccess.Public;

    /// <summary>The methods it answers (upper case); <c>GET</c> implies <c>HEAD</c>. Others get 405 with <c>Allow</c>. Default GET.</summary>
    IReadOnlyList<string> Methods => PorticoEndpointTable.GetOnly;

    /// <summary>
    /// Whether it also owns every path below <see cref="Path"/> (<c>/admin/backends</c> serving <c>/admin/backends/{id}</c>);
    /// the part below is <see cref="GatewayContext.EndpointSubpath"/>. Default false: the exact path only.
    /// </summary>
    bool IsSubtree => false;

    Task HandleAsync(GatewayContext context);
}
