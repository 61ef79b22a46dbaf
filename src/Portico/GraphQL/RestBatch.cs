using Portico.Aggregation;
using Portico.Configuration;

namespace Portico.GraphQL;

/// <summary>
/// The compiled batch endpoint of a REST field (<see cref="GraphQLRestBatchDefinition"/>): parents of one call are
/// rendered into <see cref="Path"/>'s <c>{parents.FIELD}</c> as their distinct <see cref="ParentField"/> values joined
/// by commas, at most <see cref="MaxSize"/> per call, and the items of the answer are matched back to them.
/// </summary>
internal sealed class RestBatch(ValueTemplate path, string parentField, JsonPathSelector? pointer, string? itemKey, int maxSize)
{
    public const int DefaultMaxSize = 100;
    public const int MaxMaxSize = 1000;

    /// <summary>The path and query: <c>{parent.FIELD}</c> reads the joined key values, <c>{args.NAME}</c> an argument.</summary>
    public ValueTemplate Path { get; } = path;

    /// <summary>The parent field whose values the call lists.</summary>
    public string ParentField { get; } = parentField;

    /// <summary>Selects the array of items in the answer; the whole answer when null.</summary>
    public JsonPathSelector? Pointer { get; } = pointer;

    /// <summary>The item member holding its parent's key value; null when items answer the keys in order.</summary>
    public string? ItemKey { get; } = itemKey;

    public int MaxSize { get; } = maxSize;

    /// <summary>Compiles <paramref name="definition"/> for <paramref name="field"/> of <paramref name="type"/>; null after reporting problems.</summary>
    public static RestBatch? Compile(GraphQLRestBatchDefinition definition, SupergraphType type, SupergraphField field, Action<string, string> error)
    {
        string? parentField = null;
        var ok = true;
        var template = ValueTemplate.Parse(definition.Path, isUrl: true, placeholder =>
        {
            if (placeholder is { Source: "parents", HasRest: true, IsPointer: false } && !placeholder.Rest.Contains('.'))
            {
                if (parentField is not null || !type.Fields.ContainsKey(placeholder.Rest))
                {
                    error("batch.path", parentField is not null
                        ? $"'{placeholder.Text}': a batch path lists one parent field"
                        : $"'{placeholder.Text}': '{type.Name}' has no field '{placeholder.Rest}' to read");
                    ok = false;
                    return null;
                }

                parentField = placeholder.Rest;
                return Reference(placeholder.Rest, RestValues.ParentIndex, $"parent field '{placeholder.Rest}' of the batch");
            }

            if (placeholder is { Source: "args", HasRest: true, IsPointer: false } && JsonPathSelector.ParseDotted(placeholder.Rest, out _) is not null)
            {
                if (placeholder.Rest.Split('.')[0] is var argument && !field.DeclaresArgument(argument))
                {
                    error("batch.path", $"'{placeholder.Text}': '{type.Name}.{field.Name}' has no argument '{argument}'");
                    ok = false;
                    return null;
                }

                return Reference(placeholder.Rest, RestValues.ArgumentsIndex, $"argument '{placeholder.Rest}'");
            }

            error("batch.path", $"'{placeholder.Text}': a batch path reads '{{parents.FIELD}}' (the parents' values, joined by commas) and '{{args.NAME}}'");
            ok = false;
            return null;
        }, message => { error("batch.path", message); ok = false; });
        if (template is not null && parentField is null)
        {
            error("batch.path", "a batch path needs one '{parents.FIELD}' placeholder");
            ok = false;
        }

        JsonPathSelector? pointer = null;
        if (definition.Pointer is { } pointerText && (pointer = JsonPathSelector.ParsePointer(pointerText, out var pointerError)) is null)
        {
            error("batch.pointer", pointerError!);
            ok = false;
        }

        if (definition.MaxSize is < 1 or > MaxMaxSize)
        {
            error("batch.maxSize", $"must be between 1 and {MaxMaxSize}");
            ok = false;
        }

        return ok && template is not null ? new RestBatch(template, parentField!, pointer, definition.ItemKey, definition.MaxSize ?? DefaultMaxSize) : null;
    }

    private static ValueReference Reference(string path, int index, string description) => new()
    {
        Source = ValueSource.Part,
        PartIndex = index,
        Path = JsonPathSelector.ParseDotted(path, out _),
        Description = description,
    };
}
