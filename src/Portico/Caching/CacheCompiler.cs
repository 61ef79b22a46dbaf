using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.Caching;

/// <summary>
/// Compiles the registry's <c>cache</c> blocks into each route's <see cref="CachePolicy"/>: the route's own block, else
/// its backend's (proxy routes), else the gateway default when <see cref="CachingOptions.Enabled"/> (proxy routes).
/// Composite routes cache only with a block of their own; static routes never do.
/// </summary>
internal sealed class CacheCompiler(IOptions<PorticoOptions> options)
{
    /// <summary>Largest body a route may store: bodies live in memory, and one entry must not crowd out the rest.</summary>
    public const long MaxBodySizeLimit = 64L * 1024 * 1024;

    private readonly CachingOptions _options = options.Value.Caching;

    /// <summary>
    /// Each route's caching, in the order of <paramref name="document"/>'s routes; compiled before the routes themselves so
    /// that each route is built whole and never changes after.
    /// </summary>
    public RouteCaching[] Compile(RegistryDocument document, CompileErrors errors)
    {
        var caching = new RouteCaching[document.Routes.Count];
        var backends = new Dictionary<string, (CacheDefinition? Cache, int Index)>(StringComparer.Ordinal);
        for (int i = 0; i < document.Backends.Count; i++)
        {
            var backend = document.Backends[i];
            backends.TryAdd(backend.Id, (backend.Cache, i));
            if (backend.Cache is { } cache)
            {
                var index = i;
                Check(cache, (field, message) => errors.Add("backends", index, $"backend '{backend.Id}'", "cache." + field, message));
            }
        }

        for (int i = 0; i < document.Routes.Count; i++)
        {
            var route = document.Routes[i];
            var index = i;
            void Error(string field, string message) => errors.Add("routes", index, $"route '{route.Id}'", field.Length == 0 ? "cache" : "cache." + field, message);

            CacheDefinition? definition = route.Cache;
            if (definition is not null)
            {
                if (route.Static is not null && definition.Enabled != false)
                {
                    Error("", "static routes answer from the registry and never cache");
                    continue;
                }

                if (!Check(definition, Error))
                {
                    continue;
                }
            }
            else if (route.Backend is { } backendId)
            {
                definition = backends.TryGetValue(backendId, out var backend) ? backend.Cache : null;
                if (definition is null && _options.Enabled)
                {
                    definition = new CacheDefinition();
                }
            }

            if (definition is null || definition.Enabled == false)
            {
                continue;
            }

            caching[i] = new RouteCaching(Policy(route.Id, definition), null);
        }

        // RFC 9111 §4.4 speaks of URLs, not routes: a write through any route (one without a cache block, as when reads
        // and writes of a resource are routed apart) invalidates what the caching routes stored for its target.
        var filters = caching.Where(c => c.Cache is not null).Select(c => c.Cache!.KeyQuery).ToArray();
        if (filters.Length == 0)
        {
            return caching;
        }

        var invalidation = new CacheInvalidation(filters);
        for (int i = 0; i < caching.Length; i++)
        {
            if (document.Routes[i].Static is null)
            {
                caching[i] = caching[i] with { Invalidation = invalidation };
            }
        }

        return caching;
    }

    private CachePolicy Policy(string routeId, CacheDefinition definition)
    {
        Duration.TryParse(definition.DefaultTtl, out var defaultTtl);
        Duration.TryParse(definition.MaxTtl, out var maxTtl);
        return new CachePolicy
        {
            RouteId = routeId,
            DefaultTtl = definition.DefaultTtl is null ? null : defaultTtl,
            MaxTtl = definition.MaxTtl is null ? null : maxTtl,
            Heuristic = definition.Heuristic ?? true,
            KeyQuery = definition.KeyQuery is { } query ? [.. query] : null,
            KeyHeaders = definition.KeyHeaders is { } headers ? [.. headers.Select(h => h.ToLowerInvariant()).Distinct()] : [],
            VaryByConsumer = definition.VaryByConsumer ?? false,
            IgnoreClientNoCache = definition.IgnoreClientNoCache ?? false,
            MaxBodySize = definition.MaxBodySize ?? _options.MaxBodySize,
        };
    }

    /// <summary>Reports every invalid field; true when there is none.</summary>
    private static bool Check(CacheDefinition definition, Action<string, string> error)
    {
        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            error(field, message);
        }

        if (definition.DefaultTtl is { } defaultTtl && (!Duration.TryParse(defaultTtl, out var value) || value < TimeSpan.Zero))
        {
            Fail("defaultTtl", $"'{defaultTtl}' is not a duration of 0 or more such as '60s' or '5m'");
        }

        if (definition.MaxTtl is { } maxTtl && (!Duration.TryParse(maxTtl, out var cap) || cap < TimeSpan.Zero))
        {
            Fail("maxTtl", $"'{maxTtl}' is not a duration of 0 or more such as '1h'");
        }

        if (definition.MaxBodySize is < 0 or > MaxBodySizeLimit)
        {
            Fail("maxBodySize", $"must be between 0 and {MaxBodySizeLimit} bytes");
        }

        if (definition.KeyQuery is { } query && query.Any(string.IsNullOrEmpty))
        {
            Fail("keyQuery", "parameter names must not be empty");
        }

        if (definition.KeyHeaders is { } headers)
        {
            if (headers.Count > VaryNames.MaxNames)
            {
                Fail("keyHeaders", $"at most {VaryNames.MaxNames} headers");
            }

            foreach (var header in headers)
            {
                if (string.IsNullOrEmpty(header) || !header.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
                {
                    Fail("keyHeaders", $"'{header}' is not a header name");
                }
            }
        }

        return ok;
    }
}
