namespace Portico.GraphQL;

/// <summary>One type of the composed schema, merged from every subgraph that defines it.</summary>
internal sealed class SupergraphType(string name, SupergraphTypeKind kind)
{
    public string Name { get; } = name;

    public SupergraphTypeKind Kind { get; } = kind;

    /// <summary>Output fields (objects, interfaces), in the order first met.</summary>
    public Dictionary<string, SupergraphField> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>Interfaces an object or interface implements.</summary>
    public SortedSet<string> Interfaces { get; } = new(StringComparer.Ordinal);

    /// <summary>Members of a union.</summary>
    public SortedSet<string> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Enum values, or the input fields of an input object as written.</summary>
    public List<string> Values { get; } = [];

    /// <summary>The object types a value of this type can have: itself, a union's members, an interface's implementations.</summary>
    public HashSet<string> PossibleTypes { get; } = new(StringComparer.Ordinal);

    /// <summary>Per subgraph name, the key fields of its <c>@key</c> on this type.</summary>
    public Dictionary<string, string[]> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>The subgraphs that define the type.</summary>
    public HashSet<string> DefinedIn { get; } = new(StringComparer.Ordinal);

    public bool IsAbstract => Kind is SupergraphTypeKind.Interface or SupergraphTypeKind.Union;

    public bool IsComposite => Kind is SupergraphTypeKind.Object or SupergraphTypeKind.Interface or SupergraphTypeKind.Union;
}
