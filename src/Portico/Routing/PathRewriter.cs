using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Portico.Routing;

/// <summary>Turns the request path into the upstream path, once per request, from a plan compiled with the route.</summary>
internal abstract class PathRewriter
{
    /// <summary>Leaves the path as the client sent it.</summary>
    public static readonly PathRewriter None = new Unchanged();

    /// <summary>The upstream path for this request.</summary>
    public abstract PathString Rewrite(PathString requestPath, RouteValueDictionary routeValues);

    /// <summary>Removes a literal prefix at a segment boundary, for example <c>/api</c> from <c>/api/users</c>.</summary>
    public static PathRewriter StripPrefix(string prefix) => new Strip(new PathString(prefix.TrimEnd('/')));

    /// <summary>
    /// Builds the path from a template whose parameters must all be parameters of the route's match template;
    /// null with a reason otherwise.
    /// </summary>
    public static PathRewriter? FromTemplate(string template, RoutePattern matchPattern, out string? error)
    {
        RoutePattern pattern;
        try
        {
            pattern = RoutePatternFactory.Parse(template);
        }
        catch (RoutePatternException ex)
        {
            error = $"invalid template: {ex.Message}";
            return null;
        }

        var parts = new List<(string? Literal, string? Parameter, bool CatchAll)>();
        foreach (var segment in pattern.PathSegments)
        {
            parts.Add(("/", null, false));
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        parts.Add((literal.Content, null, false));
                        break;
                    case RoutePatternSeparatorPart separator:
                        parts.Add((separator.Content, null, false));
                        break;
                    case RoutePatternParameterPart parameter:
                        if (matchPattern.GetParameter(parameter.Name) is null)
                        {
                            error = $"parameter '{{{parameter.Name}}}' is not a parameter of match.path";
                            return null;
                        }

                        parts.Add((null, parameter.Name, parameter.IsCatchAll));
                        break;
                }
            }
        }

        error = null;
        return new Template([.. parts]);
    }

    private sealed class Unchanged : PathRewriter
    {
        public override PathString Rewrite(PathString requestPath, RouteValueDictionary routeValues) => requestPath;
    }

    private sealed class Strip(PathString prefix) : PathRewriter
    {
        public override PathString Rewrite(PathString requestPath, RouteValueDictionary routeValues) =>
            requestPath.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out var remaining)
                ? (remaining.HasValue ? remaining : new PathString("/"))
                : requestPath;
    }

    private sealed class Template((string? Literal, string? Parameter, bool CatchAll)[] parts) : PathRewriter
    {
        public override PathString Rewrite(PathString requestPath, RouteValueDictionary routeValues)
        {
            var builder = new System.Text.StringBuilder(64);
            foreach (var (literal, parameter, catchAll) in parts)
            {
                if (literal is not null)
                {
                    builder.Append(literal);
                    continue;
                }

                var value = routeValues.TryGetValue(parameter!, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;
                if (string.IsNullOrEmpty(value))
                {
                    // An optional parameter that did not match leaves no empty segment behind.
                    if (builder.Length > 0 && builder[^1] == '/')
                    {
                        builder.Length--;
                    }

                    continue;
                }

                // A plain parameter is one segment: a '/' it carries (sent as %2F) must stay escaped.
                builder.Append(catchAll ? value : value.Replace("/", "%2F", StringComparison.Ordinal));
            }

            return builder.Length == 0 ? new PathString("/") : new PathString(builder.ToString());
        }
    }
}
