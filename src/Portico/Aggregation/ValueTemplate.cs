using System.Globalization;
using System.Runtime.CompilerServices;

namespace Portico.Aggregation;

/// <summary>
/// A text template with placeholders (<c>/orders?user={profile.id}</c>), parsed once per snapshot. <c>{{</c> and
/// <c>}}</c> stand for literal braces. URL templates percent-encode every substituted value (RFC 3986 §2.1), so a
/// value can never add a path segment, a query parameter or a fragment.
/// </summary>
internal sealed class ValueTemplate
{
    private readonly TemplateSegment[] _segments;
    private readonly string? _literal;

    private ValueTemplate(TemplateSegment[] segments)
    {
        _segments = segments;
        if (segments.All(s => s.Literal is not null))
        {
            _literal = string.Concat(segments.Select(s => s.Literal));
        }
    }

    /// <summary>The placeholders' values, in order.</summary>
    public IEnumerable<TemplateSegment> Placeholders => _segments.Where(s => s.Value is not null);

    /// <summary>The text when the template has no placeholder.</summary>
    public string? Literal => _literal;

    /// <summary>
    /// Parses <paramref name="text"/>; each placeholder is bound by <paramref name="bind"/>, which reports its own
    /// errors and returns null for an unusable one. Syntax errors go to <paramref name="error"/>.
    /// </summary>
    public static ValueTemplate? Parse(string text, bool isUrl, Func<Placeholder, ValueReference?> bind, Action<string> error)
    {
        var segments = new List<TemplateSegment>();
        var literal = new System.Text.StringBuilder();
        var inQuery = false;
        var ok = true;
        for (int i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '}')
            {
                if (i + 1 < text.Length && text[i + 1] == '}')
                {
                    i++;
                }

                literal.Append('}');
                continue;
            }

            if (c != '{')
            {
                inQuery |= isUrl && c == '?';
                literal.Append(c);
                continue;
            }

            if (i + 1 < text.Length && text[i + 1] == '{')
            {
                literal.Append('{');
                i++;
                continue;
            }

            var end = text.IndexOf('}', i + 1);
            var open = text.IndexOf('{', i + 1);
            if (end < 0 || (open >= 0 && open < end))
            {
                error($"'{text}': the placeholder at position {i + 1} is not closed with '}}' (write '{{{{' for a literal brace)");
                return null;
            }

            var placeholder = ParsePlaceholder(text[(i + 1)..end], text[i..(end + 1)]);
            if (placeholder is null)
            {
                error($"'{text}': '{text[i..(end + 1)]}' is empty; write '{{source.name}}' such as '{{route.id}}' or '{{profile.id}}'");
                return null;
            }

            if (literal.Length > 0)
            {
                segments.Add(new TemplateSegment(literal.ToString(), null, false, false));
                literal.Clear();
            }

            var value = bind(placeholder.Value);
            ok &= value is not null;
            segments.Add(new TemplateSegment(null, value, placeholder.Value.Optional, inQuery));
            i = end;
        }

        if (literal.Length > 0)
        {
            segments.Add(new TemplateSegment(literal.ToString(), null, false, false));
        }

        return ok ? new ValueTemplate([.. segments]) : null;
    }

    /// <summary>Parses the inside of braces: <c>source</c>, <c>source.rest</c> or <c>source/pointer</c>, with an optional trailing <c>?</c>.</summary>
    public static Placeholder? ParsePlaceholder(string inner, string text)
    {
        var optional = inner.EndsWith('?');
        if (optional)
        {
            inner = inner[..^1];
        }

        var cut = inner.IndexOfAny(['.', '/']);
        var source = cut < 0 ? inner : inner[..cut];
        if (source.Length == 0)
        {
            return null;
        }

        return cut < 0
            ? new Placeholder(source, "", false, false, optional, text)
            : new Placeholder(source, inner[(cut + 1)..], inner[cut] == '/', true, optional, text);
    }

    /// <summary>Renders a path and query; null with <paramref name="failure"/> when a value is missing or unusable.</summary>
    public string? RenderUrl(IValueResolver values, out RenderFailure failure) => Render(values, url: true, header: false, out failure);

    /// <summary>Renders text as is (a header value when <paramref name="header"/>, which refuses control characters).</summary>
    public string? RenderText(IValueResolver values, bool header, out RenderFailure failure) => Render(values, url: false, header, out failure);

    /// <summary>The text of one placeholder's value for this request.</summary>
    public static ValueStatus TextOf(ValueReference reference, IValueResolver values, out string text)
    {
        var status = values.Resolve(reference, out var direct, out var json);
        if (status != ValueStatus.Found)
        {
            text = "";
            return status;
        }

        if (direct is not null)
        {
            text = direct;
            return ValueStatus.Found;
        }

        return JsonScalar.TryFormat(json, out text);
    }

    /// <summary>
    /// Whether a value taken from the request cannot be sent in a header (RFC 9110 §5.5: no control character but tab,
    /// which includes CR, LF and NUL). Non-ASCII text the client sent is forwarded as it came, like the proxy does.
    /// </summary>
    public static bool IsUnsafeHeaderValue(string value) => !Security.HeaderHygiene.IsValidValue(value);

    /// <summary>Whether a value would be a dot segment in a path, which URI normalization removes (RFC 3986 §5.2.4).</summary>
    public static bool IsDotSegment(string value) => value is "." or "..";

    private string? Render(IValueResolver values, bool url, bool header, out RenderFailure failure)
    {
        failure = default;
        if (_literal is not null)
        {
            return _literal;
        }

        var builder = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        foreach (var segment in _segments)
        {
            if (segment.Literal is { } literal)
            {
                builder.AppendLiteral(literal);
                continue;
            }

            var status = TextOf(segment.Value!, values, out var text);
            if (status == ValueStatus.Found && ((url && !segment.InQuery && IsDotSegment(text)) || (header && IsUnsafeHeaderValue(text))))
            {
                status = ValueStatus.Unsafe;
            }

            if (status == ValueStatus.Missing && segment.Optional)
            {
                continue;
            }

            if (status != ValueStatus.Found)
            {
                failure = new RenderFailure(segment.Value!, status);
                _ = builder.ToStringAndClear(); // returns the pooled buffer
                return null;
            }

            builder.AppendLiteral(url ? Uri.EscapeDataString(text) : text);
        }

        return builder.ToStringAndClear();
    }
}
