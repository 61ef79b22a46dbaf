namespace Portico.GraphQL;

/// <summary>
/// How many items a list field is counted as in an operation's cost (<c>listSizes</c>, after IBM's GraphQL cost
/// specification and its <c>@listSize</c> directive): the value of its largest slicing argument the operation gives,
/// otherwise <see cref="AssumedSize"/>.
/// </summary>
internal sealed class ListSizeRule(long assumedSize, string[] slicingArguments, string[] sizedFields)
{
    /// <summary>The size counted when the operation gives none of the slicing arguments; -1 for the route's <c>defaultListSize</c> (or 1).</summary>
    public long AssumedSize { get; } = assumedSize;

    /// <summary>Arguments that bound how many items the field returns (<c>first</c>, <c>last</c>, <c>limit</c>).</summary>
    public string[] SlicingArguments { get; } = slicingArguments;

    /// <summary>
    /// For a connection (<c>users(first: 10) { edges { node { … } } }</c>): the fields of its selection that are the
    /// list and are multiplied; empty when the field itself is the list.
    /// </summary>
    public string[] SizedFields { get; } = sizedFields;
}
