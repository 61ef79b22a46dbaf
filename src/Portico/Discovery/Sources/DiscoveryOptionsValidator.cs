using System.Net;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Discovery.Sources;

/// <summary>Checks <c>Portico:Discovery</c> at start-up: each DNS server an address with an optional port, the table name valid.</summary>
internal sealed class DiscoveryOptionsValidator : IValidateOptions<PorticoOptions>
{
    public ValidateOptionsResult Validate(string? name, PorticoOptions options)
    {
        var errors = new List<string>();
        foreach (var server in options.Discovery.DnsServers)
        {
            if (ParseServer(server) is null)
            {
                errors.Add($"Portico:Discovery:DnsServers: '{server}' is not an IP address with an optional port (10.0.0.10, 10.0.0.10:53, [fd00::a]:53)");
            }
        }

        if (!TableStorage.IsTableName(options.Discovery.InstancesTableName))
        {
            errors.Add($"Portico:Discovery:InstancesTableName: '{options.Discovery.InstancesTableName}' is not a table name (3 to 63 letters and digits, starting with a letter)");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The server's endpoint (port 53 unless given), or null when it is not one.</summary>
    public static IPEndPoint? ParseServer(string server)
    {
        if (IPAddress.TryParse(server, out var address))
        {
            return new IPEndPoint(address, 53);
        }

        return IPEndPoint.TryParse(server, out var endpoint) && endpoint.Port > 0 ? endpoint : null;
    }
}
