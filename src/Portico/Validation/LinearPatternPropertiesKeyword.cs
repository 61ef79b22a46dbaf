using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portico.Validation;

/// <summary>JSON Schema's <c>patternProperties</c> with its names compiled by the non-backtracking engine (see <see cref="LinearPatternKeyword"/>).</summary>
internal sealed class LinearPatternPropertiesKeyword : PatternPropertiesKeyword
{
    /// <inheritdoc />
    public override object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new JsonSchemaException("'patternProperties' must be an object");
        }

        var regexes = new Dictionary<string, Regex>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            {
                throw new JsonSchemaException("'patternProperties' values must be schemas");
            }

            regexes[property.Name] = LinearRegex.ForSchema(property.Name, "patternProperties");
        }

        return regexes;
    }
}
