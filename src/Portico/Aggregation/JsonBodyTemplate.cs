using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>
/// A JSON request body built per request from a JSON value in the registry. A string that is exactly one
/// placeholder (<c>"{profile.address}"</c>) becomes that value with its JSON type (request text stays a string; a
/// missing optional value becomes null); any other string with placeholders is interpolated; the rest is copied.
/// </summary>
internal sealed class JsonBodyTemplate
{
    private readonly Node _root;

    private JsonBodyTemplate(Node root) => _root = root;

    /// <summary>Compiles <paramref name="body"/>; null when a placeholder could not be bound (already reported).</summary>
    public static JsonBodyTemplate? Compile(JsonElement body, Func<Placeholder, ValueReference?> bind, Action<string> error)
    {
        var ok = true;
        var root = Build(body, bind, error, ref ok);
        return ok ? new JsonBodyTemplate(root) : null;
    }

    /// <summary>Every placeholder's value in the body.</summary>
    public IEnumerable<(ValueReference Value, bool Optional, bool Exact)> Placeholders => _root.Placeholders();

    /// <summary>Writes the body for one request; false with <paramref name="failure"/> when a needed value is missing.</summary>
    public bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure) => _root.TryWrite(writer, values, out failure);

    private static Node Build(JsonElement element, Func<Placeholder, ValueReference?> bind, Action<string> error, ref bool ok)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<(JsonEncodedText, Node)>();
                foreach (var member in element.EnumerateObject())
                {
                    members.Add((JsonEncodedText.Encode(member.Name), Build(member.Value, bind, error, ref ok)));
                }

                return new ObjectNode([.. members]);
            case JsonValueKind.Array:
                var items = new List<Node>();
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(Build(item, bind, error, ref ok));
                }

                return new ArrayNode([.. items]);
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (!text.Contains('{') && !text.Contains('}'))
                {
                    return new LiteralNode(element);
                }

                var whole = text.Length > 2 && text[0] == '{' && text[^1] == '}' && text.IndexOf('{', 1) < 0 && text.IndexOf('}') == text.Length - 1;
                if (whole && ValueTemplate.ParsePlaceholder(text[1..^1], text) is { } placeholder)
                {
                    var value = bind(placeholder);
                    ok &= value is not null;
                    return new ValueNode(value!, placeholder.Optional);
                }

                var template = ValueTemplate.Parse(text, isUrl: false, bind, error);
                ok &= template is not null;
                return new StringNode(template!);
            default:
                return new LiteralNode(element);
        }
    }

    private abstract class Node
    {
        public abstract bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure);

        public virtual IEnumerable<(ValueReference, bool, bool)> Placeholders() => [];
    }

    private sealed class LiteralNode(JsonElement value) : Node
    {
        public override bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure)
        {
            failure = default;
            value.WriteTo(writer);
            return true;
        }
    }

    private sealed class ObjectNode((JsonEncodedText Name, Node Value)[] members) : Node
    {
        public override bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure)
        {
            writer.WriteStartObject();
            foreach (var (name, value) in members)
            {
                writer.WritePropertyName(name);
                if (!value.TryWrite(writer, values, out failure))
                {
                    return false;
                }
            }

            writer.WriteEndObject();
            failure = default;
            return true;
        }

        public override IEnumerable<(ValueReference, bool, bool)> Placeholders() => members.SelectMany(m => m.Value.Placeholders());
    }

    private sealed class ArrayNode(Node[] items) : Node
    {
        public override bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure)
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                if (!item.TryWrite(writer, values, out failure))
                {
                    return false;
                }
            }

            writer.WriteEndArray();
            failure = default;
            return true;
        }

        public override IEnumerable<(ValueReference, bool, bool)> Placeholders() => items.SelectMany(i => i.Placeholders());
    }

    private sealed class StringNode(ValueTemplate template) : Node
    {
        public override bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure)
        {
            var text = template.RenderText(values, header: false, out failure);
            if (text is null)
            {
                return false;
            }

            writer.WriteStringValue(text);
            return true;
        }

        public override IEnumerable<(ValueReference, bool, bool)> Placeholders() => template.Placeholders.Select(s => (s.Value!, s.Optional, false));
    }

    private sealed class ValueNode(ValueReference reference, bool optional) : Node
    {
        public override bool TryWrite(Utf8JsonWriter writer, IValueResolver values, out RenderFailure failure)
        {
            failure = default;
            var status = values.Resolve(reference, out var text, out var json);
            if (status == ValueStatus.Found)
            {
                if (text is not null)
                {
                    writer.WriteStringValue(text);
                }
                else
                {
                    json.WriteTo(writer);
                }

                return true;
            }

            if (status == ValueStatus.Missing && optional)
            {
                writer.WriteNullValue();
                return true;
            }

            failure = new RenderFailure(reference, status);
            return false;
        }

        public override IEnumerable<(ValueReference, bool, bool)> Placeholders() => [(reference, optional, true)];
    }
}
