using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Portico.Routing;

/// <summary>
/// Turns the request path into the upstream path, once per request, from a plan compiled with the route. The result
/// is made of the client's raw path (<see cref="RequestTarget"/>): what the client sent is forwarded byte for byte,
/// percent-encoding included (<c>%2F</c> stays <c>%2F</c>, nothing is decoded or encoded twice); only the parts the
/// rewrite replaces change. The decoded path the route matched is given beside it.
/// </summary>
internal abstract class PathRewriter
{
    /// <summary>Leaves the path as the client sent it.</summary>
    public static readonly PathRewriter None = new Unchanged();

    /// <summary>
    /// The upstream path for this request, percent-encoded as the client sent it. Only a rewrite that reads the
    /// route's parameters asks for <see cref="Pipeline.GatewayContext.RouteValues"/>, which are made on first use.
    /// </summary>
    public ReadOnlyMemory<char> Rewrite(Pipeline.GatewayContext context) =>
        Rewrite(context.Target, context.HttpContext.Request.Path, context);

    /// <summary>The upstream path from the request's raw target and decoded path; <paramref name="context"/> gives the route values.</summary>
    protected abstract ReadOnlyMemory<char> Rewrite(RequestTarget target, PathString requestPath, Pipeline.GatewayContext context);

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

        var parts = new List<(string? Literal, string? Parameter, ParameterSource? Source)>();
        foreach (var segment in pattern.PathSegments)
        {
            parts.Add(("/", null, null));
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        parts.Add((literal.Content, null, null));
                        break;
                    case RoutePatternSeparatorPart separator:
                        parts.Add((separator.Content, null, null));
                        break;
                    case RoutePatternParameterPart parameter:
                        if (ParameterSource.Find(matchPattern, parameter.Name) is not { } source)
                        {
                            error = $"parameter '{{{parameter.Name}}}' is not a parameter of match.path";
                            return null;
                        }

                        parts.Add((null, parameter.Name, source));
                        break;
                }
            }
        }

        error = null;
        return new Template([.. parts]);
    }

    private sealed class Unchanged : PathRewriter
    {
        protected override ReadOnlyMemory<char> Rewrite(RequestTarget target, PathString requestPath, Pipeline.GatewayContext context) => target.Path;
    }

    private sealed class Strip(PathString prefix) : PathRewriter
    {
        private readonly int _segments = prefix.Value!.AsSpan().Count('/');

        protected override ReadOnlyMemory<char> Rewrite(RequestTarget target, PathString requestPath, Pipeline.GatewayContext context)
        {
            if (!requestPath.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return target.Path;
            }

            // The prefix matched the decoded path; drop the same segments from the raw one (the client may have
            // encoded them differently), and keep the rest exactly as sent.
            var path = target.Path;
            var rest = path[RawSegments.StartOf(path.Span, _segments)..];
            return rest.IsEmpty ? "/".AsMemory() : rest;
        }
    }

    private sealed class Template((string? Literal, string? Parameter, ParameterSource? Source)[] parts) : PathRewriter
    {
        protected override ReadOnlyMemory<char> Rewrite(RequestTarget target, PathString requestPath, Pipeline.GatewayContext context)
        {
            var routeValues = context.RouteValues;
            var builder = new System.Text.StringBuilder(64);
            foreach (var (literal, parameter, source) in parts)
            {
                if (literal is not null)
                {
                    builder.Append(literal);
                    continue;
                }

                var value = ParameterSource.ValueOf(routeValues, parameter!);
                if (string.IsNullOrEmpty(value))
                {
                    // An optional parameter that did not match leaves no empty segment behind.
                    if (builder.Length > 0 && builder[^1] == '/')
                    {
                        builder.Length--;
                    }

                    continue;
                }

                builder.Append(source!.RawValue(target.Path, requestPath, routeValues, value).Span);
            }

            return builder.Length == 0 ? "/".AsMemory() : builder.ToString().AsMemory();
        }
    }
}
