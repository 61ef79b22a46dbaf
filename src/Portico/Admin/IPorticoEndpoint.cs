using Portico.Pipeline;

namespace Portico.Admin;

/// <summary>
/// An endpoint the gateway serves itself under its own prefix (default <c>/_portico</c>), the same in both hosts.
/// Features register theirs in DI (health now; keys, metrics and admin later).
/// </summary>
internal interface IPorticoEndpoint
{
    /// <summary>Path below the prefix, for example <c>/health/ready</c>.</summary>
    string Path { get; }

    Task HandleAsync(GatewayContext context);
}
