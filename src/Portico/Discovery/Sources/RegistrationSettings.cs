using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace Portico.Discovery.Sources;

/// <summary>
/// A registration backend's keys and the bounds on what may be registered, compiled from <c>discovery.registration</c>.
/// A registrant decides where the gateway sends requests, so by default an instance may not be on a loopback,
/// link-local (cloud metadata such as 169.254.169.254 included) or unspecified address, nor named <c>localhost</c>,
/// unless a listed network allows it explicitly.
/// </summary>
internal sealed class RegistrationSettings
{
    /// <summary>The longest TTL when none is configured.</summary>
    public static readonly TimeSpan DefaultMaxTtl = TimeSpan.FromHours(1);

    /// <summary>The bounds when a backend sets none: no keys, no allow-lists, the default refusals.</summary>
    public static readonly RegistrationSettings Default = new();

    /// <summary>Registration keys by id, each as the SHA-256 of the key.</summary>
    public FrozenDictionary<string, byte[]> Keys { get; init; } = FrozenDictionary<string, byte[]>.Empty;

    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [];

    /// <summary>Allowed host names, lower case; one starting with <c>*.</c> allows any name under it.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Allowed ports; null for any.</summary>
    public FrozenSet<int>? AllowedPorts { get; init; }

    /// <summary>Most live registrations; 0 for the source's <c>maxDestinations</c>.</summary>
    public int MaxInstances { get; init; }

    public TimeSpan MaxTtl { get; init; } = DefaultMaxTtl;

    /// <summary>Why <paramref name="url"/> (a valid absolute http or https URL) may not be registered, with the registry field that decides it; null when it may.</summary>
    public (string Field, string Detail)? AddressProblem(Uri url)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            return ("url", "an instance's scheme is http or https");
        }

        if (AllowedPorts is { } ports && !ports.Contains(url.Port))
        {
            return ("discovery.registration.allowedPorts", $"port {url.Port} is not one of the backend's allowed ports");
        }

        var listed = AllowedNetworks.Count + AllowedHosts.Count > 0;
        if (IPAddress.TryParse(url.IdnHost, out var address))
        {
            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (AllowedNetworks.Any(n => n.Contains(address)))
            {
                return null;
            }

            if (listed)
            {
                return ("discovery.registration.allowedNetworks", $"{address} is in none of the backend's allowed networks");
            }

            return IsRefused(address) ? ("discovery.registration.allowedNetworks", $"{address} is a loopback, link-local or unspecified address: list it in allowedNetworks to allow it") : null;
        }

        var host = url.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (AllowedHosts.Any(h => h.StartsWith("*.", StringComparison.Ordinal) ? host.EndsWith(h[1..], StringComparison.Ordinal) : host == h))
        {
            return null;
        }

        if (listed)
        {
            return ("discovery.registration.allowedHosts", $"'{host}' is not one of the backend's allowed hosts");
        }

        return host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal) // RFC 6761 §6.3: always loopback
            ? ("discovery.registration.allowedHosts", $"'{host}' names this machine: list it in allowedHosts to allow it")
            : null;
    }

    /// <summary>Addresses a registrant may not point the gateway at unless listed: this machine, the link (where cloud metadata services answer) and none at all.</summary>
    private static bool IsRefused(IPAddress address) =>
        IPAddress.IsLoopback(address)
        || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
        || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes() is [169, 254, ..])
        || address.IsIPv6LinkLocal
        || address.Equals(AwsMetadataV6);

    // The IPv6 address of a cloud instance metadata service (AWS Nitro); the IPv4 ones are link-local.
    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");
}
