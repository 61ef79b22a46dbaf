using System.Globalization;
using Portico.Configuration;

namespace Portico.Cors;

/// <summary>Compiles a route's <c>cors</c>, each mistake reported with its field (<c>cors.allowOrigins[1]</c>).</summary>
internal static class CorsCompiler
{
    /// <summary>The preflight cache time when a route sets none.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromMinutes(10);

    /// <summary>The route's policy; null when it has none or it is invalid (reported through <paramref name="error"/>).</summary>
    public static CorsPolicy? Compile(CorsDefinition? cors, IReadOnlyList<string>? routeMethods, Action<string, string> error)
    {
        if (cors is null)
        {
            return null;
        }

        var ok = true;
        void Error(string field, string message)
        {
            ok = false;
            error("cors." + field, message);
        }

        var origins = CompileOrigins(cors.AllowOrigins, Error);
        var credentials = cors.AllowCredentials == true;
        if (credentials && origins?.Any == true)
        {
            Error("allowCredentials", "true cannot go with allowOrigins '*': the Fetch standard never grants a credentialed request to a wildcard origin; list the origins");
        }

        var methods = CompileNames(cors.AllowMethods ?? routeMethods, cors.AllowMethods is null ? null : "allowMethods", "method", Error);
        var headers = CompileNames(cors.AllowHeaders ?? [], "allowHeaders", "header", Error);
        var expose = CompileNames(cors.ExposeHeaders ?? [], "exposeHeaders", "header", Error);
        if (credentials && cors.ExposeHeaders is ["*"])
        {
            Error("exposeHeaders", "'*' exposes every header only to requests without credentials (Fetch standard); with allowCredentials, list the names");
        }

        var maxAge = DefaultMaxAge;
        if (cors.MaxAge is not null && (!Duration.TryParse(cors.MaxAge, out maxAge) || maxAge < TimeSpan.Zero || maxAge > TimeSpan.FromDays(1)))
        {
            Error("maxAge", $"'{cors.MaxAge}' is not a duration from '0s' to '1d' such as '10m'");
        }

        if (!ok || origins is null)
        {
            return null;
        }

        return new CorsPolicy
        {
            Origins = origins,
            Methods = methods,
            MethodsValue = methods is null ? null : string.Join(", ", cors.AllowMethods ?? routeMethods!),
            Headers = headers,
            ExposeValue = expose is null ? null : cors.ExposeHeaders is ["*"] ? "*" : expose.Count == 0 ? null : string.Join(", ", cors.ExposeHeaders!),
            Credentials = credentials,
            MaxAgeValue = ((long)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
    }

    private static CorsOrigins? CompileOrigins(IReadOnlyList<string>? entries, Action<string, string> error)
    {
        if (entries is null || entries.Count == 0)
        {
            error("allowOrigins", "must list at least one origin, such as 'https://app.example.com', a pattern such as 'https://*.example.com', or '*'");
            return null;
        }

        var ok = true;
        var any = false;
        var exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var patterns = new List<(string, string, string)>();
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] ?? "";
            if (entry == "*")
            {
                any = true;
                if (entries.Count > 1)
                {
                    error($"allowOrigins[{i}]", "'*' allows every origin; it cannot be listed with others");
                    ok = false;
                }

                continue;
            }

            if (!SerializedOrigin.TryParse(entry, allowWildcardLabel: true, out var scheme, out var host, out var port))
            {
                var hint = entry.Equals("null", StringComparison.OrdinalIgnoreCase)
                    ? "the opaque origin 'null' is sent by sandboxed documents and local files of any site, so it cannot be granted"
                    : entry.EndsWith('/') ? "an origin has no path, not even '/': write it as 'https://app.example.com'"
                    : "is not an origin such as 'https://app.example.com' or a pattern such as 'https://*.example.com'";
                error($"allowOrigins[{i}]", $"'{entry}': {hint}");
                ok = false;
                continue;
            }

            // Browsers never write a scheme's default port in Origin.
            var portText = (port.SequenceEqual("443") && scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
                || (port.SequenceEqual("80") && scheme.Equals("http", StringComparison.OrdinalIgnoreCase)) ? "" : port.ToString();
            if (host.StartsWith("*."))
            {
                patterns.Add((scheme.ToString(), host[1..].ToString(), portText));
            }
            else
            {
                exact.Add($"{scheme}://{host}{(portText.Length > 0 ? ":" + portText : "")}");
            }
        }

        return ok ? new CorsOrigins(any, exact, [.. patterns]) : null;
    }

    /// <summary>Method or header names (tokens), or <c>*</c> alone; null for every name (absent or <c>*</c>).</summary>
    private static HashSet<string>? CompileNames(IReadOnlyList<string>? names, string? field, string kind, Action<string, string> error)
    {
        if (names is null || names is ["*"])
        {
            return null;
        }

        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Count; i++)
        {
            if (!HttpToken.IsValid(names[i] ?? ""))
            {
                // Route methods were checked with match.methods; only cors fields are reported here.
                if (field is not null)
                {
                    error($"{field}[{i}]", names[i] == "*" ? "'*' allows every name; it cannot be listed with others" : $"'{names[i]}' is not a {kind} name");
                }

                continue;
            }

            set.Add(names[i]);
        }

        return set;
    }
}
