using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portico.Validation;

/// <summary>
/// JSON Schema's <c>pattern</c>, compiled with the non-backtracking engine instead of the library's backtracking one,
/// so no request body can make a schema's pattern slow (issue 17). A pattern it cannot run is a configuration error.
/// </summary>
internal sealed class LinearPatternKeyword : PatternKeyword
{
    /// <inheritdoc />
    public override object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new JsonSchemaException("'pattern' must be a string");
        }

        return LinearRegex.ForSchema(value.GetString()!, "pattern");
    }
}
