using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Portico.Routing;

/// <summary>
/// Where a route parameter's value sits in the request path, found once per route: the segment of the match template
/// that holds it, whether it is that whole segment, a catch-all from there on, or one part of a segment with literals
/// (<c>{name}.{ext}</c>). With it, a rewrite template takes the value's raw text from the client's path.
/// </summary>
internal sealed class ParameterSource
{
    private readonly string _name;
    private readonly int _segment;
    private readonly bool _catchAll;
    private readonly IReadOnlyList<RoutePatternPart>? _complexParts;

    private ParameterSource(string name, int segment, bool catchAll, IReadOnlyList<RoutePatternPart>? complexParts)
    {
        _name = name;
        _segment = segment;
        _catchAll = catchAll;
        _complexParts = complexParts;
    }

    /// <summary>The source of parameter <paramref name="name"/> in <paramref name="matchPattern"/>; null when it has none.</summary>
    public static ParameterSource? Find(RoutePattern matchPattern, string name)
    {
        for (int s = 0; s < matchPattern.PathSegments.Count; s++)
        {
            var parts = matchPattern.PathSegments[s].Parts;
            foreach (var part in parts)
            {
                if (part is RoutePatternParameterPart parameter && string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return new ParameterSource(parameter.Name, s, parameter.IsCatchAll, parts.Count == 1 ? null : parts);
                }
            }
        }

        return null;
    }

    /// <summary>A route value as text (what the route matched, decoded, or the parameter's default).</summary>
    public static string? ValueOf(RouteValueDictionary values, string name) =>
        values.TryGetValue(name, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// The raw text of this parameter's <paramref name="value"/> in <paramref name="rawPath"/>; the value
    /// percent-encoded when the path does not hold it (a default).
    /// </summary>
    public ReadOnlyMemory<char> RawValue(ReadOnlyMemory<char> rawPath, PathString decodedPath, RouteValueDictionary values, string value)
    {
        if (_catchAll)
        {
            var start = RawSegments.StartOf(rawPath.Span, _segment);
            if (start < rawPath.Length)
            {
                return rawPath[(start + 1)..];
            }
        }
        else if (RawSegments.TryGet(rawPath, _segment, out var rawSegment))
        {
            if (_complexParts is null)
            {
                return rawSegment;
            }

            if (RawSegments.TryGet(decodedPath.Value.AsMemory(), _segment, out var decodedSegment)
                && Locate(decodedSegment.Length, values) is var (start, length))
            {
                return RawSegments.Slice(rawSegment, start, length);
            }
        }

        // A parameter's default, not in the path: the operator's text, encoded as one segment.
        return Uri.EscapeDataString(value).AsMemory();
    }

    // The value's position in the decoded segment: literals, then values, in the template's order (a separator only
    // counts before an optional parameter that matched). Null when they do not add up to the segment (a default).
    private (int Start, int Length)? Locate(int segmentLength, RouteValueDictionary values)
    {
        var offset = 0;
        (int, int)? found = null;
        for (int i = 0; i < _complexParts!.Count; i++)
        {
            switch (_complexParts[i])
            {
                case RoutePatternLiteralPart literal:
                    offset += literal.Content.Length;
                    break;
                case RoutePatternSeparatorPart separator
                    when i + 1 < _complexParts.Count && _complexParts[i + 1] is RoutePatternParameterPart next && !string.IsNullOrEmpty(ValueOf(values, next.Name)):
                    offset += separator.Content.Length;
                    break;
                case RoutePatternParameterPart parameter:
                    var length = ValueOf(values, parameter.Name)?.Length ?? 0;
                    if (string.Equals(parameter.Name, _name, StringComparison.OrdinalIgnoreCase))
                    {
                        found = (offset, length);
                    }

                    offset += length;
                    break;
            }
        }

        return offset == segmentLength ? found : null;
    }
}
