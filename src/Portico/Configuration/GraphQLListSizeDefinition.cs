namespace Portico.Configuration;

/// <summary>
/// How many items a list field of a GraphQL route is counted as in an operation's cost (docs/graphql.md#protection),
/// after IBM's GraphQL cost specification (<c>@listSize</c>).
/// </summary>
public sealed record GraphQLListSizeDefinition
{
    /// <summary>The size counted when the operation gives no slicing argument; default the route's <c>defaultListSize</c>, or 1.</summary>
    public int? AssumedSize { get; init; }

    /// <summary>Arguments of the field that bound how many items it returns (<c>first</c>, <c>last</c>, <c>limit</c>); the largest given is the size.</summary>
    public IReadOnlyList<string>? SlicingArguments { get; init; }

    /// <summary>For a connection type: the fields of its selection that are the list (<c>edges</c>, <c>nodes</c>).</summary>
    public IReadOnlyList<string>? SizedFields { get; init; }
}
