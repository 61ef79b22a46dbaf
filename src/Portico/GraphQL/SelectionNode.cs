using GraphQLParser.AST;

namespace Portico.GraphQL;

/// <summary>
/// One selection of a normalized operation (named fragments expanded): a field, or an inline fragment. The planner
/// copies selections into the subgraph documents it prints; the text of arguments and directives is kept as the
/// client wrote it.
/// </summary>
internal sealed class SelectionNode
{
    /// <summary>The alias prefix the gateway uses for fields it adds (keys, type names); clients may not use it.</summary>
    public const string InternalPrefix = "_portico_";

    /// <summary>The response key of the concrete type name the gateway adds to abstract and entity selections.</summary>
    public const string TypeKey = InternalPrefix + "type";

    public bool IsFragment { get; init; }

    /// <summary>The fragment's type condition; null for a field or a fragment without one.</summary>
    public string? TypeCondition { get; init; }

    public string ResponseKey { get; init; } = "";

    public string FieldName { get; init; } = "";

    /// <summary>The arguments as written, <c>(id: $id)</c>, or empty.</summary>
    public string ArgumentsText { get; init; } = "";

    /// <summary>The selection's own directives as written, or empty.</summary>
    public string DirectivesText { get; init; } = "";

    /// <summary>The arguments' syntax tree, read when a REST call takes them as placeholders.</summary>
    public GraphQLArguments? Arguments { get; init; }

    /// <summary>Every <c>@include</c>/<c>@skip</c> that decides whether the selection is in the answer.</summary>
    public SelectionCondition[] Conditions { get; init; } = [];

    /// <summary>The variables the arguments and directives read.</summary>
    public string[] Variables { get; init; } = [];

    public IReadOnlyList<SelectionNode> Children { get; init; } = [];

    /// <summary>Whether the field has a selection set (its type is an object, interface or union).</summary>
    public bool HasSelectionSet { get; init; }

    /// <summary>A field the gateway adds to a subgraph document: <c>_portico_k_id: id</c>.</summary>
    public static SelectionNode Internal(string responseKey, string fieldName) => new() { ResponseKey = responseKey, FieldName = fieldName };

    /// <summary>The response key under which the gateway reads key or parent field <paramref name="field"/>.</summary>
    public static string KeyAlias(string field) => InternalPrefix + "k_" + field;

    /// <summary>This selection with other children.</summary>
    public SelectionNode WithChildren(IReadOnlyList<SelectionNode> children) => new()
    {
        IsFragment = IsFragment,
        TypeCondition = TypeCondition,
        ResponseKey = ResponseKey,
        FieldName = FieldName,
        ArgumentsText = ArgumentsText,
        DirectivesText = DirectivesText,
        Arguments = Arguments,
        Conditions = Conditions,
        Variables = Variables,
        Children = children,
        HasSelectionSet = true,
    };
}
