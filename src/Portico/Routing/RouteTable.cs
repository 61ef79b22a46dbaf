using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Portico.Routing;

/// <summary>
/// The immutable set of routes of one snapshot, ordered by precedence and bucketed by first path segment so a
/// request only tries the routes that could match it.
/// </summary>
/// <remarks>
/// Precedence (documented in docs/routing.md): ASP.NET Core's inbound template precedence (literal beats
/// constrained parameter beats parameter beats catch-all, segment by segment), then the higher
/// <c>priority</c>, then routes naming hosts, then routes naming methods, then the route id.
/// </remarks>
internal sealed class RouteTable
{
    private readonly Dictionary<string, CompiledRoute[]> _byFirstLiteral;
    private readonly Dictionary<string, CompiledRoute[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly CompiledRoute[] _noLiteralBucket;

    public RouteTable(IReadOnlyList<CompiledRoute> routes)
    {
        Routes = [.. routes.Order(PrecedenceComparer.Instance)];
        var nonLiteral = Routes.Where(r => r.FirstLiteral is null).ToArray();
        _noLiteralBucket = nonLiteral;
        _byFirstLiteral = Routes
            .Where(r => r.FirstLiteral is not null)
            .GroupBy(r => r.FirstLiteral!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(
                g => g.Key,
                g => g.Concat(nonLiteral).Order(PrecedenceComparer.Instance).ToArray(),
                StringComparer.OrdinalIgnoreCase);
        _lookup = _byFirstLiteral.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every route, most specific first.</summary>
    public CompiledRoute[] Routes { get; }

    /// <summary>
    /// Finds the route for a request. When no route matches but some match the path and host with other
    /// methods, <paramref name="allowedMethods"/> lists those methods (for a 405 with <c>Allow</c>). The matched
    /// route's values are filled into <paramref name="values"/>; without a dictionary the match only decides
    /// (<see cref="CompiledRoute.MatchesPath(HttpContext, PathString)"/>).
    /// </summary>
    public CompiledRoute? Match(HttpContext context, RouteValueDictionary? values, out IReadOnlyList<string>? allowedMethods) =>
        Match(context, values, context.Request.Method, out allowedMethods);

    /// <summary>Finds the route for the request as if it used <paramref name="method"/> (what a CORS preflight asks about).</summary>
    public CompiledRoute? Match(HttpContext context, RouteValueDictionary? values, string method, out IReadOnlyList<string>? allowedMethods)
    {
        allowedMethods = null;
        var request = context.Request;
        var path = request.Path;
        var candidates = _lookup.TryGetValue(FirstSegment(path.Value), out var bucket) ? bucket : _noLiteralBucket;
        var host = request.Host;
        foreach (var route in candidates)
        {
            if (!route.MatchesMethod(method) || !route.MatchesHost(host))
            {
                continue;
            }

            if (values is null ? route.MatchesPath(context, path) : route.MatchesPath(context, path, values))
            {
                return route;
            }

            values?.Clear();
        }

        allowedMethods = CollectAllowedMethods(context, candidates);
        return null;
    }

    private static IReadOnlyList<string>? CollectAllowedMethods(HttpContext context, CompiledRoute[] candidates)
    {
        // Only on the miss path: find routes that match everything but the method.
        SortedSet<string>? allowed = null;
        foreach (var route in candidates)
        {
            if (route.Methods is null || !route.MatchesHost(context.Request.Host))
            {
                continue;
            }

            var matched = route.MatchesPath(context, context.Request.Path);
            if (matched)
            {
                allowed ??= new SortedSet<string>(StringComparer.Ordinal);
                allowed.UnionWith(route.Methods);
            }
        }

        return allowed?.ToArray();
    }

    private static ReadOnlySpan<char> FirstSegment(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return [];
        }

        var span = path.AsSpan(1);
        var slash = span.IndexOf('/');
        return slash < 0 ? span : span[..slash];
    }

    private sealed class PrecedenceComparer : IComparer<CompiledRoute>
    {
        public static readonly PrecedenceComparer Instance = new();

        public int Compare(CompiledRoute? x, CompiledRoute? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            int c = x!.Precedence.CompareTo(y!.Precedence);
            if (c != 0) return c;
            c = y.Priority.CompareTo(x.Priority);
            if (c != 0) return c;
            c = y.HostSpecificity.CompareTo(x.HostSpecificity);
            if (c != 0) return c;
            c = y.HasMethods.CompareTo(x.HasMethods);
            if (c != 0) return c;
            return string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
