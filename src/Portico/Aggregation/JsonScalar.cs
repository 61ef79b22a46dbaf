using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>Text forms of JSON scalars, for substitution into paths, queries and headers.</summary>
internal static class JsonScalar
{
    /// <summary>A string's value, a number as written, <c>true</c>/<c>false</c>; null is missing, objects and arrays are not scalars.</summary>
    public static ValueStatus TryFormat(JsonElement element, out string text)
    {
        text = "";
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                text = element.GetString()!;
                return text.Length == 0 ? ValueStatus.Missing : ValueStatus.Found;
            case JsonValueKind.Number:
                text = element.GetRawText();
                return ValueStatus.Found;
            case JsonValueKind.True:
                text = "true";
                return ValueStatus.Found;
            case JsonValueKind.False:
                text = "false";
                return ValueStatus.Found;
            case JsonValueKind.Object or JsonValueKind.Array:
                return ValueStatus.NotScalar;
            default:
                return ValueStatus.Missing;
        }
    }
}
