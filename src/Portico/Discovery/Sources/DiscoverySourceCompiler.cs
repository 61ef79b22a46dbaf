using Portico.Configuration;
using Portico.Resilience;

namespace Portico.Discovery.Sources;

/// <summary>Validates a backend's <c>discovery</c> block, naming the field in every error, and fills in its defaults and bounds.</summary>
internal static class DiscoverySourceCompiler
{
    /// <summary>Shortest and longest interval or TTL bound of any source.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    private static readonly string[] Types = [RegistrationSource.TypeName, DnsSource.TypeName, EtcdSource.TypeName];

    /// <summary>
    /// Whether <paramref name="name"/> is a DNS name: labels of 1 to 63 letters, digits, '-' or '_' (RFC 2782 service
    /// labels start with '_'), at most 253 characters, an optional final dot.
    /// </summary>
    public static bool IsDnsName(string? name)
    {
        var trimmed = name?.TrimEnd('.');
        return !string.IsNullOrEmpty(trimmed) && trimmed.Length <= 253
            && trimmed.Split('.').All(label => label.Length is >= 1 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    /// <summary>The source's settings, or null when the block has errors (each reported through <paramref name="error"/>).</summary>
    public static DiscoverySettings? Compile(string backendId, DiscoveryDefinition definition, Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error("discovery." + field, message);
        }

        var type = definition.Type;
        if (!Types.Contains(type, StringComparer.Ordinal))
        {
            Error("type", $"'{type}' is not one of {string.Join(", ", Types.Select(t => $"'{t}'"))}");
            return null;
        }

        void Only(bool present, string field, string applies)
        {
            if (present)
            {
                Error(field, $"applies only to {applies}");
            }
        }

        var dns = type == DnsSource.TypeName;
        var etcd = type == EtcdSource.TypeName;
        Only(!dns && definition.Host is not null, "host", "'type': 'dns'");
        Only(!dns && definition.Record is not null, "record", "'type': 'dns'");
        Only(!dns && definition.Port is not null, "port", "'type': 'dns'");
        Only(!dns && definition.Scheme is not null, "scheme", "'type': 'dns'");
        Only(!dns && definition.Path is not null, "path", "'type': 'dns'");
        Only(!dns && definition.MinTtl is not null, "minTtl", "'type': 'dns' (the other sources use 'refreshInterval')");
        Only(!dns && definition.MaxTtl is not null, "maxTtl", "'type': 'dns' (the other sources use 'refreshInterval')");
        Only(dns && definition.RefreshInterval is not null, "refreshInterval", "'registration' and 'etcd' ('dns' follows the records' TTL within 'minTtl' and 'maxTtl')");
        Only(!etcd && definition.Endpoints is not null, "endpoints", "'type': 'etcd'");
        Only(!etcd && definition.Prefix is not null, "prefix", "'type': 'etcd'");
        Only(type != RegistrationSource.TypeName && definition.Registrants is not null, "registrants", "'type': 'registration'");
        Only(type != RegistrationSource.TypeName && definition.Registration is not null, "registration", "'type': 'registration'");

        var record = definition.Record ?? "a";
        var path = (definition.Path ?? "").TrimEnd('/');
        List<Uri> endpoints = [];
        if (dns)
        {
            if (!IsDnsName(definition.Host))
            {
                Error("host", "name the DNS name to resolve (such as 'orders.internal' or '_http._tcp.orders.internal')");
            }

            if (record is not ("a" or "srv"))
            {
                Error("record", $"'{record}' is not 'a' (A and AAAA records) or 'srv'");
            }

            if (record == "a" && definition.Port is null)
            {
                Error("port", "an 'a' lookup needs the port of the addresses it finds (1 to 65535)");
            }
            else if (record == "srv" && definition.Port is not null)
            {
                Error("port", "an SRV record carries its own port");
            }
            else if (definition.Port is < 1 or > 65535)
            {
                Error("port", "must be between 1 and 65535");
            }

            if (definition.Scheme is not (null or "http" or "https"))
            {
                Error("scheme", $"'{definition.Scheme}' is not 'http' or 'https'");
            }

            if (definition.Path is not null && (!definition.Path.StartsWith('/') || definition.Path.IndexOfAny(['?', '#', ' ']) >= 0))
            {
                Error("path", "must start with '/' and carry no query, fragment or spaces");
            }
        }
        else if (etcd)
        {
            if (definition.Endpoints is not { Count: > 0 and <= 16 })
            {
                Error("endpoints", "list 1 to 16 etcd client URLs (such as 'http://10.0.0.5:2379')");
            }
            else
            {
                for (var i = 0; i < definition.Endpoints.Count; i++)
                {
                    if (Proxy.BackendUrl.Problem(definition.Endpoints[i]) is { } problem)
                    {
                        Error($"endpoints[{i}]", problem);
                    }
                    else
                    {
                        endpoints.Add(new Uri(definition.Endpoints[i].TrimEnd('/') + "/"));
                    }
                }
            }

            if (string.IsNullOrEmpty(definition.Prefix) || definition.Prefix.Length > 1024)
            {
                Error("prefix", "name the key prefix (1 to 1024 characters, such as '/services/orders/') whose keys hold the destinations");
            }
        }
        else if (definition.Registrants is { } registrants && (registrants.Count is 0 or > 100 || registrants.Any(string.IsNullOrWhiteSpace)))
        {
            Error("registrants", "list 1 to 100 admin principals (admin key ids, subjects or consumer ids), or leave it out to let any admin register");
        }

        var maxDestinations = definition.MaxDestinations ?? DiscoveryCompiler.MaxDestinations;
        if (maxDestinations is < 1 or > DiscoveryCompiler.MaxDestinations)
        {
            Error("maxDestinations", $"must be between 1 and {DiscoveryCompiler.MaxDestinations}");
        }

        var registration = type == RegistrationSource.TypeName
            ? RegistrationSettingsCompiler.Compile(definition.Registration, maxDestinations, (field, message) => Error("registration." + field, message))
            : RegistrationSettings.Default;
        var refresh = ResilienceCompiler.Duration("refreshInterval", definition.RefreshInterval, etcd ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(10), MinInterval, MaxInterval, Error);
        var minTtl = ResilienceCompiler.Duration("minTtl", definition.MinTtl, TimeSpan.FromSeconds(5), MinInterval, MaxInterval, Error);
        var maxTtl = ResilienceCompiler.Duration("maxTtl", definition.MaxTtl, TimeSpan.FromMinutes(5), MinInterval, MaxInterval, Error);
        if (maxTtl < minTtl)
        {
            Error("maxTtl", "must not be shorter than 'minTtl'");
        }

        if (failed)
        {
            return null;
        }

        return new DiscoverySettings
        {
            Type = type,
            BackendId = backendId,
            Key = RegistrySerializer.SerializeItem(definition, RegistryJsonContext.Default.DiscoveryDefinition),
            Host = definition.Host ?? "",
            Record = record,
            Port = definition.Port ?? 0,
            Scheme = definition.Scheme ?? "http",
            Path = path,
            Endpoints = endpoints,
            Prefix = definition.Prefix ?? "",
            Registrants = definition.Registrants?.ToHashSet(StringComparer.Ordinal),
            Registration = registration!,
            RefreshInterval = refresh,
            MinTtl = minTtl,
            MaxTtl = maxTtl,
            MaxDestinations = maxDestinations,
        };
    }
}
