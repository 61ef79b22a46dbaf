namespace Portico.Security;

/// <summary>
/// Gateway-wide client address lists (<c>Portico:IpRestriction</c>), checked on every routed request before the
/// route's own list; IP addresses or CIDR ranges. Empty by default: every address may call.
/// </summary>
public sealed class IpRestrictionOptions
{
    /// <summary>When not empty, only clients in these addresses or ranges may call any route.</summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Clients in these addresses or ranges may call no route.</summary>
    public List<string> Deny { get; set; } = [];
}
