using System.Text.Json;
using Portico.Aggregation;

namespace Portico.GraphQL;

/// <summary>The values a REST field's template reads: <c>{parent.…}</c> (index 0) and <c>{args.…}</c> (index 1).</summary>
internal sealed class RestValues(JsonElement parent, JsonElement arguments) : IValueResolver
{
    public const int ParentIndex = 0;
    public const int ArgumentsIndex = 1;

    public ValueStatus Resolve(ValueReference reference, out string? text, out JsonElement json)
    {
        text = null;
        var root = reference.PartIndex == ParentIndex ? parent : arguments;
        if (!reference.Path!.TrySelect(root, out json) || json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return ValueStatus.Missing;
        }

        return ValueStatus.Found;
    }
}
