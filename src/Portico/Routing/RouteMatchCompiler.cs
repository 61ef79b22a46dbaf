using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;

namespace Portico.Routing;

/// <summary>
/// Compiles a route's <c>match</c> (docs/routing.md): the <c>path</c> template with its inline constraints, the
/// <c>methods</c> and the <c>hosts</c>. Errors name the field; they go to the caller's error callback.
/// </summary>
internal sealed class RouteMatchCompiler(IOptions<PorticoOptions> options, IInlineConstraintResolver constraintResolver)
{
    private readonly string _endpointPrefix = options.Value.EndpointPrefix;

    /// <summary><c>match.path</c>: an ASP.NET Core route template starting with '/', outside Portico's own prefix.</summary>
    public RoutePattern? ParseTemplate(string path, Action<string, string> error)
    {
        if (!path.StartsWith('/'))
        {
            error("match.path", "must start with '/'");
            return null;
        }

        var prefix = new PathString(_endpointPrefix);
        if (new PathString(path.Split('{')[0].TrimEnd('/')).StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
        {
            error("match.path", $"'{_endpointPrefix}' is reserved for Portico's own endpoints");
            return null;
        }

        try
        {
            return RoutePatternFactory.Parse(path);
        }
        catch (RoutePatternException ex)
        {
            error("match.path", $"invalid route template: {ex.Message}");
            return null;
        }
    }

    /// <summary>The inline constraints of <c>match.path</c> (<c>{id:int}</c>), each checked so that matching cannot fail (<see cref="RouteConstraintCheck"/>).</summary>
    public KeyValuePair<string, IRouteConstraint>[] ResolveConstraints(RoutePattern pattern, Action<string, string> error) =>
        RouteConstraintCheck.Resolve(pattern, constraintResolver, error);

    /// <summary><c>match.methods</c>: HTTP methods (tokens), upper-cased and without repeats; null for every method.</summary>
    public static string[]? CompileMethods(IReadOnlyList<string>? methods, Action<string, string> error)
    {
        if (!NamesAny(methods, "methods", "method", error))
        {
            return null;
        }

        var result = new List<string>();
        foreach (var method in methods)
        {
            if (!HttpToken.IsValid(method))
            {
                error("match.methods", $"'{method}' is not an HTTP method");
                continue;
            }

            // Known methods are interned so matching compares the same strings Kestrel hands out.
            result.Add(HttpMethods.GetCanonicalizedValue(method.ToUpperInvariant()));
        }

        if (result.Contains(HttpMethods.Get) && !result.Contains(HttpMethods.Head))
        {
            // RFC 9110 §9.3.2: HEAD is GET without the body; a resource that answers GET answers HEAD.
            result.Add(HttpMethods.Head);
        }

        return [.. result.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary><c>match.hosts</c>: exact hosts or <c>*.</c> wildcards, with an optional port; null for any host.</summary>
    public static HostPattern[]? CompileHosts(IReadOnlyList<string>? hosts, Action<string, string> error)
    {
        if (!NamesAny(hosts, "hosts", "host", error))
        {
            return null;
        }

        var result = new List<HostPattern>();
        foreach (var host in hosts)
        {
            if (HostPattern.TryParse(host, out var hostError) is { } parsed)
            {
                result.Add(parsed);
            }
            else
            {
                error("match.hosts", hostError!);
            }
        }

        return [.. result];
    }

    /// <summary>
    /// Whether <c>match.<paramref name="member"/></c> restricts the route: absent, it matches every
    /// <paramref name="what"/>; empty, it would match nothing, which is reported.
    /// </summary>
    private static bool NamesAny([NotNullWhen(true)] IReadOnlyList<string>? list, string member, string what, Action<string, string> error)
    {
        if (list is null)
        {
            return false;
        }

        if (list.Count == 0)
        {
            error($"match.{member}", $"an empty list matches nothing; leave '{member}' out to match every {what}");
            return false;
        }

        return true;
    }
}
