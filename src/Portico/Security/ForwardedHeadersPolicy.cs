using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Portico.Hosting;

namespace Portico.Security;

/// <summary>
/// Decides which client-sent <c>X-Forwarded-*</c> values to believe. They are believed only when the immediate
/// peer is a configured trusted proxy, and then only back to the first hop that is not itself trusted: everything
/// further left could have been written by the client.
/// </summary>
internal sealed class ForwardedHeadersPolicy
{
    private readonly IPNetwork[] _trusted;

    // The last client this thread resolved from a peer that is not a trusted proxy, with the policy and the transport's
    // address it came from. Such a client depends only on those, the scheme and the host, and the record is immutable,
    // so a request from the same peer (every request of a keep-alive connection, or of a load balancer in front) shares
    // it instead of allocating the record, and for an IPv4-mapped peer the mapped address and its text, again
    // (issue 25, allocation per request).
    [ThreadStatic] private static ForwardedHeadersPolicy? t_lastPolicy;
    [ThreadStatic] private static IPAddress? t_lastRemote;
    [ThreadStatic] private static ClientAddress? t_lastDirect;

    public ForwardedHeadersPolicy(IOptions<PorticoOptions> options)
    {
        _trusted = [.. options.Value.ForwardedHeaders.TrustedProxies.Select(ParseNetwork)];
    }

    /// <summary>Parses an address or CIDR range; a single address becomes a /32 or /128.</summary>
    public static IPNetwork ParseNetwork(string text) =>
        text.Contains('/') ? IPNetwork.Parse(text) : new IPNetwork(IPAddress.Parse(text), IPAddress.Parse(text).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);

    public ClientAddress Resolve(HttpContext context)
    {
        var request = context.Request;
        var remote = context.Connection.RemoteIpAddress;
        var scheme = request.Scheme;
        var host = request.Host.Value ?? "";
        if (t_lastPolicy == this && remote is not null && remote.Equals(t_lastRemote)
            && t_lastDirect is { } last && string.Equals(last.Proto, scheme, StringComparison.Ordinal) && string.Equals(last.Host, host, StringComparison.Ordinal))
        {
            return last; // see t_lastDirect
        }

        var peer = Normalize(remote);
        if (peer is null || !IsTrusted(peer))
        {
            var direct = new ClientAddress(peer, peer?.ToString(), scheme, host);
            if (remote is not null)
            {
                (t_lastPolicy, t_lastRemote, t_lastDirect) = (this, remote, direct);
            }

            return direct;
        }

        // The peer is a trusted proxy: walk X-Forwarded-For from the right, through trusted hops, to the client.
        // Functions mode takes this path on every request, so it parses each hop once and keeps only what it returns.
        var hops = SplitValues(request.Headers["X-Forwarded-For"]);
        var client = peer;
        var kept = new List<string>(hops.Count + 1);
        for (int i = hops.Count - 1; i >= 0; i--)
        {
            if (!TryParseHop(hops[i], out var address))
            {
                break;
            }

            client = address;
            kept.Add(address.ToString());
            if (!IsTrusted(address))
            {
                break;
            }
        }

        // kept holds the verified hops right to left; the header lists them left to right, the peer last.
        kept.Reverse();
        kept.Add(peer.ToString());
        var clientIndex = hops.Count - (kept.Count - 1);
        var proto = PickAligned(SplitValues(request.Headers["X-Forwarded-Proto"]), hops.Count, clientIndex) is { } p && (p is "http" or "https") ? p : scheme;
        var forwardedHost = PickAligned(SplitValues(request.Headers["X-Forwarded-Host"]), hops.Count, clientIndex) ?? host;
        return new ClientAddress(client, string.Join(", ", kept), proto, forwardedHost);
    }

    private bool IsTrusted(IPAddress address)
    {
        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    // Proxies append to X-Forwarded-For and X-Forwarded-Proto/Host in step; take the entry aligned with the client.
    private static string? PickAligned(List<string> values, int hopCount, int clientIndex)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var fromRight = hopCount - clientIndex;
        var index = values.Count - Math.Max(fromRight, 1);
        return index >= 0 ? values[index] : values[^1];
    }

    private static List<string> SplitValues(StringValues values)
    {
        var result = new List<string>(values.Count == 0 ? 0 : 4);
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                result.Add(part);
            }
        }

        return result;
    }

    // Accepts "1.2.3.4", "1.2.3.4:5678", "[::1]:5678" and "::1" (App Service appends ports).
    private static bool TryParseHop(string hop, out IPAddress address)
    {
        if (IPEndPoint.TryParse(hop, out var endpoint))
        {
            address = Normalize(endpoint.Address)!;
            return true;
        }

        address = IPAddress.None;
        return false;
    }

    private static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
