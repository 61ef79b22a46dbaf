namespace Portico.Discovery.Sources;

/// <summary>Gateway settings of discovery sources (<c>Portico:Discovery</c>; docs/configuration.md).</summary>
public sealed class DiscoveryOptions
{
    /// <summary>
    /// The DNS servers <c>dns</c> sources ask, as <c>address</c> or <c>address:port</c> (<c>[v6]:port</c>); the
    /// system's resolvers when empty. A gateway setting, not a registry field: the registry never decides which
    /// resolver the gateway trusts.
    /// </summary>
    public List<string> DnsServers { get; set; } = [];

    /// <summary>The table of registered instances in Table storage. Default <c>PorticoInstances</c>.</summary>
    public string InstancesTableName { get; set; } = "PorticoInstances";
}
