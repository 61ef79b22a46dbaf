using System.Net;

namespace Portico.Security;

/// <summary>
/// A compiled allow and deny list of client addresses: deny wins; a non-empty allow list admits only its members.
/// An IPv4 client reached over an IPv6 socket (<c>::ffff:10.0.0.1</c>) is compared as IPv4.
/// </summary>
internal sealed class IpRestriction
{
    private readonly IPNetwork[] _allow;
    private readonly IPNetwork[] _deny;

    private IpRestriction(IPNetwork[] allow, IPNetwork[] deny)
    {
        _allow = allow;
        _deny = deny;
    }

    /// <summary>
    /// Compiles the lists; null when both are empty (nothing to check). Each entry that is not an address or range is
    /// reported through <paramref name="error"/> with its field (<c>allow[2]</c>) and nothing is returned.
    /// </summary>
    public static IpRestriction? Compile(IReadOnlyList<string>? allow, IReadOnlyList<string>? deny, Action<string, string> error)
    {
        var ok = true;
        IPNetwork[] Parse(IReadOnlyList<string>? entries, string field)
        {
            var networks = new List<IPNetwork>();
            for (int i = 0; i < (entries?.Count ?? 0); i++)
            {
                if (TryParse(entries![i], out var network))
                {
                    networks.Add(network);
                }
                else
                {
                    ok = false;
                    error($"{field}[{i}]", $"'{entries[i]}' is not an IP address or CIDR range such as 10.0.0.0/8");
                }
            }

            return [.. networks];
        }

        var allowed = Parse(allow, "allow");
        var denied = Parse(deny, "deny");
        return ok && (allowed.Length > 0 || denied.Length > 0) ? new IpRestriction(allowed, denied) : null;
    }

    /// <summary>Whether <paramref name="client"/> may call; an unknown address passes only when there is no allow list.</summary>
    public bool Permits(IPAddress? client)
    {
        if (client is null)
        {
            return _allow.Length == 0;
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        foreach (var network in _deny)
        {
            if (network.Contains(client))
            {
                return false;
            }
        }

        if (_allow.Length == 0)
        {
            return true;
        }

        foreach (var network in _allow)
        {
            if (network.Contains(client))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses an address (a single host) or a CIDR range whose host bits are zero.</summary>
    public static bool TryParse(string text, out IPNetwork network)
    {
        if (text.Contains('/'))
        {
            // 10.0.0.1/8 is most likely a mistake for 10.0.0.1/32 or 10.0.0.0/8: refused rather than widened.
            return IPNetwork.TryParse(text, out network)
                && IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/')), out var written) && written.Equals(network.BaseAddress);
        }

        if (IPAddress.TryParse(text, out var address) && !text.Contains('%'))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        network = default;
        return false;
    }
}
