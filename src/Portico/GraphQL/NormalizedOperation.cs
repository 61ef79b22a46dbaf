using GraphQLParser.AST;

namespace Portico.GraphQL;

/// <summary>The operation a request runs, with named fragments expanded and its limits measured.</summary>
internal sealed class NormalizedOperation
{
    /// <summary><c>query</c> or <c>mutation</c>.</summary>
    public required string Keyword { get; init; }

    public required string RootType { get; init; }

    public required IReadOnlyList<SelectionNode> Selections { get; init; }

    /// <summary>Each variable's definition as written (<c>$id: ID!</c>), by name.</summary>
    public required Dictionary<string, string> VariableDefinitions { get; init; }

    /// <summary>The default values of the variables that declare one, by name (list sizes read them when a request omits the variable).</summary>
    public IReadOnlyDictionary<string, GraphQLValue> VariableDefaults { get; init; } = new Dictionary<string, GraphQLValue>();

    /// <summary>Whether the operation reads <c>__schema</c> or <c>__type</c>.</summary>
    public bool Introspects { get; init; }
}
