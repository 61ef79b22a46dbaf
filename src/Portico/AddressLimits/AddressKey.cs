using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Portico.AddressLimits;

/// <summary>
/// The key a per-address limit counts under: an IPv4 address as itself (also when it reached an IPv6 socket as
/// <c>::ffff:a.b.c.d</c>), an IPv6 address by its /64, the block one subscriber usually holds, so rotating addresses
/// inside it gains nothing. One <see cref="UInt128"/>, so a lookup allocates nothing.
/// </summary>
internal static class AddressKey
{
    /// <summary>The key of requests whose transport has no address (in-memory hosts): they share one limit.</summary>
    public static readonly UInt128 Unknown = UInt128.MaxValue;

    /// <summary>The key shared by new addresses while a table is full and none of its entries can be forgotten.</summary>
    public static readonly UInt128 Overflow = UInt128.MaxValue - 1;

    /// <summary>The key of <paramref name="address"/>.</summary>
    public static UInt128 Of(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return address.AddressFamily == AddressFamily.InterNetwork
            ? ((UInt128)0xFFFF << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : (UInt128)BinaryPrimitives.ReadUInt64BigEndian(bytes) << 64;
    }
}
