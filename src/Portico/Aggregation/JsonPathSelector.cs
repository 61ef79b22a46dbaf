using System.Globalization;
using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>
/// A compiled path into a JSON value: an RFC 6901 JSON pointer (<c>/orders/0/id</c>) or the dotted form used in
/// placeholders (<c>orders.0.id</c>). A step is a member name, or an array index when it is a canonical number.
/// </summary>
internal sealed class JsonPathSelector
{
    private readonly Step[] _steps;

    private JsonPathSelector(Step[] steps, string text)
    {
        _steps = steps;
        Text = text;
    }

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>The value itself.</summary>
    public bool IsWhole => _steps.Length == 0;

    /// <summary>Parses an RFC 6901 pointer: empty (the whole value) or <c>/</c>-separated tokens with <c>~0</c>/<c>~1</c> escapes.</summary>
    public static JsonPathSelector? ParsePointer(string pointer, out string? error)
    {
        error = null;
        if (pointer.Length == 0)
        {
            return new JsonPathSelector([], pointer);
        }

        if (pointer[0] != '/')
        {
            error = $"'{pointer}' is not a JSON pointer: it must be empty or start with '/'";
            return null;
        }

        var tokens = pointer[1..].Split('/');
        var steps = new Step[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            // RFC 6901 §4: '~1' is '/', '~0' is '~'; any other '~' sequence is an error.
            var token = tokens[i];
            for (int c = token.IndexOf('~'); c >= 0; c = token.IndexOf('~', c + 1))
            {
                if (c + 1 >= token.Length || token[c + 1] is not ('0' or '1'))
                {
                    error = $"'{pointer}' is not a JSON pointer: '~' must be followed by '0' or '1'";
                    return null;
                }
            }

            steps[i] = Step.Of(token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return new JsonPathSelector(steps, pointer);
    }

    /// <summary>Parses a dotted path (<c>a.b.0</c>); every step must be non-empty.</summary>
    public static JsonPathSelector? ParseDotted(string path, out string? error)
    {
        error = null;
        var tokens = path.Split('.');
        var steps = new Step[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            if (tokens[i].Length == 0)
            {
                error = $"'{path}' has an empty step";
                return null;
            }

            steps[i] = Step.Of(tokens[i]);
        }

        return new JsonPathSelector(steps, path);
    }

    /// <summary>Finds the selected value in <paramref name="root"/>; false when a step does not exist.</summary>
    public bool TrySelect(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (var step in _steps)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object when value.TryGetProperty(step.Name, out var member):
                    value = member;
                    break;
                case JsonValueKind.Array when step.Index >= 0 && step.Index < value.GetArrayLength():
                    value = value[step.Index];
                    break;
                default:
                    value = default;
                    return false;
            }
        }

        return true;
    }

    private readonly record struct Step(string Name, int Index)
    {
        // Only canonical decimal numbers index arrays (RFC 6901 §4: no leading zeros); "01" stays a member name.
        public static Step Of(string token) =>
            new(token, token.Length is > 0 and < 10 && (token == "0" || token[0] != '0') && token.All(char.IsAsciiDigit)
                ? int.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture)
                : -1);
    }
}
