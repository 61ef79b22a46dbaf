namespace Portico.GraphQL;

/// <summary>
/// Where an entity fetch reads its representations and writes its answers: the objects of type <see cref="TypeName"/>
/// at <see cref="Path"/> (response keys; lists are walked through), with the fields the fetch adds to them.
/// </summary>
internal sealed class EntityTarget(string[] path, string typeName, string[] requiredFields)
{
    public string[] Path { get; } = path;

    public string TypeName { get; } = typeName;

    /// <summary>The parent fields the fetch reads (the entity's key, or a REST call's parent placeholders).</summary>
    public string[] RequiredFields { get; } = requiredFields;

    /// <summary>The selections the fetch resolves on each object (for REST: each one a REST field).</summary>
    public List<SelectionNode> Selections { get; } = [];
}
