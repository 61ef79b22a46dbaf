using Portico.Aggregation;

namespace Portico.GraphQL;

/// <summary>The compiled REST call of one field of a <c>rest</c> subgraph (GraphQLRestFieldDefinition).</summary>
internal sealed class RestFieldResolver(string typeName, string fieldName, ValueTemplate path, JsonPathSelector? pointer, string[] parentFields, RestBatch? batch = null)
{
    public string TypeName { get; } = typeName;

    public string FieldName { get; } = fieldName;

    /// <summary>The path and query template: <c>{args.NAME}</c> reads an argument, <c>{parent.FIELD}</c> the parent object.</summary>
    public ValueTemplate Path { get; } = path;

    /// <summary>Selects the field's value in the answer; the whole answer when null.</summary>
    public JsonPathSelector? Pointer { get; } = pointer;

    /// <summary>The parent fields the path reads; the planner fetches them before the call.</summary>
    public string[] ParentFields { get; } = parentFields;

    /// <summary>The batch endpoint resolving the field for many parents at once; null for one call per distinct URL.</summary>
    public RestBatch? Batch { get; } = batch;
}
