using Portico.Pipeline;

namespace Portico.WebPubSub;

/// <summary>
/// A group a negotiated connection joins, possibly naming the caller: literal text with <c>{sub}</c>, <c>{consumer}</c>
/// or <c>{claim:name}</c> placeholders filled from the verified identity, never from anything else the client sent.
/// </summary>
internal sealed class WebPubSubGroupTemplate
{
    /// <summary>Longest group name the service accepts.</summary>
    public const int MaxGroupLength = 1024;

    // Literal text, or a placeholder: (null, "sub"), (null, "consumer"), (null, "claim:name").
    private readonly (string? Literal, string? Placeholder)[] _parts;

    private WebPubSubGroupTemplate((string?, string?)[] parts) => _parts = parts;

    /// <summary>Parses <paramref name="text"/>; null with <paramref name="problem"/> set when it is not a template.</summary>
    public static WebPubSubGroupTemplate? Parse(string text, out string? problem)
    {
        problem = null;
        var parts = new List<(string?, string?)>();
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf('{', at);
            var literal = open < 0 ? text[at..] : text[at..open];
            if (literal.Contains('}'))
            {
                problem = $"'{text}' has a '}}' without its '{{'";
                return null;
            }

            if (literal.Length > 0)
            {
                parts.Add((literal, null));
            }

            if (open < 0)
            {
                break;
            }

            var close = text.IndexOf('}', open);
            var name = close < 0 ? "" : text[(open + 1)..close];
            if (name is not ("sub" or "consumer") && !(name.StartsWith("claim:", StringComparison.Ordinal) && name.Length > 6))
            {
                problem = $"'{text}': placeholders are {{sub}}, {{consumer}} and {{claim:name}}";
                return null;
            }

            parts.Add((null, name));
            at = close + 1;
        }

        if (text.Trim().Length == 0)
        {
            problem = $"'{text}' is not a group name";
            return null;
        }

        return new WebPubSubGroupTemplate([.. parts]);
    }

    /// <summary>The group for <paramref name="identity"/>; null when a placeholder has no value for it.</summary>
    public string? Resolve(GatewayIdentity identity)
    {
        if (_parts is [(string only, null)])
        {
            return only;
        }

        var text = new System.Text.StringBuilder();
        foreach (var (literal, placeholder) in _parts)
        {
            var value = literal ?? placeholder switch
            {
                "sub" => identity.Subject,
                "consumer" => identity.ConsumerId,
                _ => identity.Claims.TryGetValue(placeholder![6..], out var values) && values.Count > 0 ? values[0] : null,
            };
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            text.Append(value);
        }

        return text.Length <= MaxGroupLength ? text.ToString() : null;
    }
}
