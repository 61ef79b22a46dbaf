using System.Collections.Frozen;
using System.Net;
using Portico.Auth;
using Portico.Configuration;
using Portico.Resilience;

namespace Portico.Discovery.Sources;

/// <summary>Validates a backend's <c>discovery.registration</c> block, naming the field in every error (relative to the block).</summary>
internal static class RegistrationSettingsCompiler
{
    /// <summary>Most registration keys of one backend (several let a service rotate its key).</summary>
    public const int MaxKeys = 16;

    /// <summary>Most entries of each allow-list.</summary>
    public const int MaxListed = 100;

    private static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(5);

    /// <summary>The bounds, or null when the block has errors (each reported through <paramref name="error"/>).</summary>
    public static RegistrationSettings? Compile(RegistrationDefinition? definition, int maxDestinations, Action<string, string> error)
    {
        if (definition is null)
        {
            return RegistrationSettings.Default;
        }

        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field, message);
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (definition.Keys is { } listedKeys)
        {
            if (listedKeys.Count is 0 or > MaxKeys)
            {
                Error("keys", $"list 1 to {MaxKeys} keys ({{ \"id\", \"hash\" }} as 'portico admin key create' prints them), or leave it out");
            }

            for (var i = 0; i < listedKeys.Count; i++)
            {
                var key = listedKeys[i];
                if (key is null || !ApiKeyFormat.IsValidId(key.Id ?? ""))
                {
                    Error($"keys[{i}].id", "is not a key id as 'portico admin key create' prints it");
                }
                else if (key.Hash is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
                {
                    Error($"keys[{i}].hash", "must be the key's SHA-256 as 64 hexadecimal digits (never the key itself)");
                }
                else if (!keys.TryAdd(key.Id!, Convert.FromHexString(hash)))
                {
                    Error($"keys[{i}].id", $"key '{key.Id}' is listed twice");
                }
            }
        }

        var networks = new List<IPNetwork>();
        foreach (var (text, i) in (definition.AllowedNetworks ?? []).Select((t, i) => (t, i)))
        {
            if (IPNetwork.TryParse(text ?? "", out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(text ?? "", out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                Error($"allowedNetworks[{i}]", $"'{text}' is not an address or a network in CIDR notation such as '10.0.0.0/8'");
            }
        }

        var hosts = new List<string>();
        foreach (var (text, i) in (definition.AllowedHosts ?? []).Select((t, i) => (t, i)))
        {
            var name = text is null ? null : text.StartsWith("*.", StringComparison.Ordinal) ? text[2..] : text;
            if (!DiscoverySourceCompiler.IsDnsName(name))
            {
                Error($"allowedHosts[{i}]", $"'{text}' is not a host name such as 'orders.internal' or '*.orders.internal'");
            }
            else
            {
                hosts.Add(text!.TrimEnd('.').ToLowerInvariant());
            }
        }

        if (networks.Count > MaxListed || hosts.Count > MaxListed)
        {
            Error(networks.Count > MaxListed ? "allowedNetworks" : "allowedHosts", $"list at most {MaxListed} entries");
        }

        if (definition.AllowedPorts is { } ports && (ports.Count is 0 or > MaxListed || ports.Any(p => p is < 1 or > 65535)))
        {
            Error("allowedPorts", $"list 1 to {MaxListed} ports between 1 and 65535, or leave it out to allow any");
        }

        if (definition.MaxInstances is < 1 || definition.MaxInstances > maxDestinations)
        {
            Error("maxInstances", $"must be between 1 and the backend's maxDestinations ({maxDestinations})");
        }

        var maxTtl = ResilienceCompiler.Duration("maxTtl", definition.MaxTtl, RegistrationSettings.DefaultMaxTtl, MinTtl, RegistrationSettings.DefaultMaxTtl, Error);
        if (failed)
        {
            return null;
        }

        return new RegistrationSettings
        {
            Keys = keys.ToFrozenDictionary(StringComparer.Ordinal),
            AllowedNetworks = networks,
            AllowedHosts = hosts,
            AllowedPorts = definition.AllowedPorts?.ToFrozenSet(),
            MaxInstances = definition.MaxInstances ?? 0,
            MaxTtl = maxTtl,
        };
    }
}
