namespace Portico.Configuration;

/// <summary>
/// The REST call resolving one field of a <c>rest</c> subgraph: a GET to <see cref="Path"/> on the subgraph's backend,
/// whose placeholders read the field's arguments (<c>{args.city}</c>) and fields of the parent object
/// (<c>{parent.upc}</c>) with the aggregation templates' rules (docs/aggregation.md#placeholders).
/// </summary>
public sealed record GraphQLRestFieldDefinition
{
    /// <summary>The path and query, with placeholders: <c>/products/{parent.upc}/reviews?first={args.first?}</c>.</summary>
    public required string Path { get; init; }

    /// <summary>An RFC 6901 pointer selecting the field's value in the JSON answer; the whole answer when absent.</summary>
    public string? Pointer { get; init; }

    /// <summary>A batch endpoint resolving the field for many parents in one call; without it, one call per distinct URL.</summary>
    public GraphQLRestBatchDefinition? Batch { get; init; }
}
