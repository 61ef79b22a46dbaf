namespace Portico.Configuration;

/// <summary>
/// The batch endpoint of a REST field (docs/graphql.md#rest-batch-endpoints): one GET resolves the field for many
/// parents, their key values joined by commas in the one <c>{parents.FIELD}</c> placeholder of <see cref="Path"/>.
/// </summary>
public sealed record GraphQLRestBatchDefinition
{
    /// <summary>The path and query, with one <c>{parents.FIELD}</c> and any <c>{args.NAME}</c>: <c>/ratings?ids={parents.id}</c>.</summary>
    public required string Path { get; init; }

    /// <summary>An RFC 6901 pointer selecting the array of items in the answer; the whole answer when absent.</summary>
    public string? Pointer { get; init; }

    /// <summary>The member of each item holding its parent's key value; when absent the items answer the keys in order, one each.</summary>
    public string? ItemKey { get; init; }

    /// <summary>Most parents per call (1 to 1000); more are split into several calls. Default 100.</summary>
    public int? MaxSize { get; init; }
}
