using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Portico.Pipeline;

namespace Portico.RateLimiting;

/// <summary>
/// Turns a request into the key a policy counts by. Each part is tagged with its kind, so a header whose value
/// looks like an address never shares a counter with that address. A part with no value (an anonymous caller
/// under a consumer key, a missing header or claim) falls back to the client's address, so leaving a header
/// out never escapes the limit. Consumer and route ids are used as they are (ids never contain ':'), so the
/// common single-part keys allocate nothing.
/// </summary>
internal sealed class RateLimitKey
{
    /// <summary>Values longer than this are hashed, so a client cannot fill memory with long header values.</summary>
    private const int MaxValueLength = 128;

    private readonly KeyPart[] _parts;

    public RateLimitKey(KeyPart[] parts) => _parts = parts;

    public string Resolve(GatewayContext context)
    {
        if (_parts.Length == 1)
        {
            return ResolvePart(context, _parts[0], composite: false);
        }

        var builder = new StringBuilder();
        foreach (var part in _parts)
        {
            if (builder.Length > 0)
            {
                builder.Append('|');
            }

            builder.Append(ResolvePart(context, part, composite: true));
        }

        return builder.ToString();
    }

    private static string ResolvePart(GatewayContext context, KeyPart part, bool composite)
    {
        switch (part.Kind)
        {
            case KeyPartKind.Consumer when context.Identity.ConsumerId is { } consumer:
                return composite ? "u:" + consumer : consumer;
            case KeyPartKind.Route when context.RouteId is { } route:
                return composite ? "r:" + route : route;
            case KeyPartKind.Header when FirstValue(context, part.Name!) is { } value:
                return "h:" + Bounded(value);
            case KeyPartKind.ApiKey when FirstValue(context, part.Name!) is { } apiKey:
                // A credential: only its hash is ever kept in memory or written to storage.
                return "k:" + Hash(apiKey);
            case KeyPartKind.Claim when context.Identity.Claims.TryGetValue(part.Name!, out var values) && values.Count > 0:
                return "c:" + Bounded(values[0]);
            default:
                return ClientAddress(context);
        }
    }

    private static string? FirstValue(GatewayContext context, string header)
    {
        var values = context.HttpContext.Request.Headers[header];
        return values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
    }

    private static string ClientAddress(GatewayContext context)
    {
        var address = context.Client.Address;
        if (address is null)
        {
            return "ip:-";
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // One IPv6 subscriber usually holds a whole /64: counting single addresses would let it rotate freely.
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return "ip:" + new IPAddress(bytes) + "/64";
        }

        return "ip:" + address;
    }

    private static string Bounded(string value) => value.Length <= MaxValueLength ? value : "#" + Hash(value);

    private static string Hash(string value)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), digest);
        return Base64Url.EncodeToString(digest[..18]);
    }
}
