using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Portico.Configuration;

namespace Portico.Discovery.Sources;

/// <summary>
/// Destinations from DNS: every A and AAAA address of a name (with the configured port), or the targets of its SRV
/// records (RFC 2782: only the lowest priority present, each with its record's port and weight, its addresses from the
/// answer's additional section or a lookup of their own). Looked up again when the records' TTL runs out, within
/// <c>minTtl</c> and <c>maxTtl</c>. A name that does not exist or has no records is treated as a failed lookup: the last
/// known destinations stay (a DNS hiccup must not empty a backend).
/// </summary>
internal sealed class DnsSource(DiscoverySettings settings, ILookupClient resolver, DiscoverySourceTelemetry telemetry, TimeProvider time)
    : DiscoverySource(settings, telemetry, time)
{
    public const string TypeName = "dns";

    /// <summary>Most SRV targets whose addresses are looked up one by one when the answer did not carry them.</summary>
    private const int MaxTargetLookups = 32;

    protected override TimeSpan NormalInterval => Settings.MaxTtl;

    protected override async Task<(IReadOnlyList<DiscoveredDestination> Found, TimeSpan Next)> FetchAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var found = new List<DiscoveredDestination>();
        var ttl = int.MaxValue;
        if (Settings.Record == "srv")
        {
            var response = await QueryAsync(Settings.Host, QueryType.SRV, cancellationToken);
            var records = response.Answers.SrvRecords().ToList();
            if (records.Count == 0)
            {
                throw new InvalidOperationException($"'{Settings.Host}' has no SRV records");
            }

            var priority = records.Min(r => r.Priority);
            var lookups = 0;
            foreach (var record in records.Where(r => r.Priority == priority).OrderBy(r => r.Target.Value, StringComparer.Ordinal).ThenBy(r => r.Port))
            {
                ttl = Math.Min(ttl, record.InitialTimeToLive);
                var addresses = Addresses(response.Additionals, record.Target.Value, ref ttl);
                if (addresses.Count == 0 && lookups++ < MaxTargetLookups)
                {
                    addresses = await LookupAddressesAsync(record.Target.Value, cancellationToken, value => ttl = Math.Min(ttl, value));
                }

                var metadata = new Dictionary<string, string>
                {
                    ["target"] = record.Target.Value.TrimEnd('.'),
                    ["priority"] = record.Priority.ToString(CultureInfo.InvariantCulture),
                };
                found.AddRange(addresses.Select(address => Destination(address, record.Port, Math.Clamp((int)record.Weight, 1, DiscoveryCompiler.MaxWeight), metadata, now)));
            }
        }
        else
        {
            var addresses = await LookupAddressesAsync(Settings.Host, cancellationToken, value => ttl = Math.Min(ttl, value));
            if (addresses.Count == 0)
            {
                throw new InvalidOperationException($"'{Settings.Host}' has no A or AAAA records");
            }

            found.AddRange(addresses.Select(address => Destination(address, Settings.Port, 1, null, now)));
        }

        var next = TimeSpan.FromSeconds(ttl == int.MaxValue ? 0 : ttl);
        return (found, next < Settings.MinTtl ? Settings.MinTtl : next > Settings.MaxTtl ? Settings.MaxTtl : next);
    }

    private async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        var response = await resolver.QueryAsync(name, type, QueryClass.IN, cancellationToken);
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new InvalidOperationException($"DNS lookup of '{name}' ({type}) failed: {response.ErrorMessage}");
        }

        return response;
    }

    /// <summary>The A and AAAA addresses of <paramref name="name"/>, sorted, IPv4 first.</summary>
    private async Task<List<IPAddress>> LookupAddressesAsync(string name, CancellationToken cancellationToken, Action<int> ttl)
    {
        var v4 = QueryAsync(name, QueryType.A, cancellationToken);
        var v6 = QueryAsync(name, QueryType.AAAA, cancellationToken);
        var records = (await v4).Answers.OfType<AddressRecord>().Concat((await v6).Answers.OfType<AddressRecord>()).ToList();
        foreach (var record in records)
        {
            ttl(record.InitialTimeToLive);
        }

        return Sorted(records.Select(r => r.Address));
    }

    private static List<IPAddress> Addresses(IReadOnlyList<DnsResourceRecord> additionals, string target, ref int ttl)
    {
        var records = additionals.OfType<AddressRecord>().Where(r => string.Equals(r.DomainName.Value, target, StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var record in records)
        {
            ttl = Math.Min(ttl, record.InitialTimeToLive);
        }

        return Sorted(records.Select(r => r.Address));
    }

    private static List<IPAddress> Sorted(IEnumerable<IPAddress> addresses) =>
        [.. addresses.Distinct().OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).ThenBy(a => a.ToString(), StringComparer.Ordinal)];

    private DiscoveredDestination Destination(IPAddress address, int port, int weight, IReadOnlyDictionary<string, string>? metadata, DateTimeOffset now)
    {
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        var url = $"{Settings.Scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}{Settings.Path}";
        return new DiscoveredDestination(new DestinationDefinition { Url = url, Weight = weight, Metadata = metadata }, now);
    }
}
