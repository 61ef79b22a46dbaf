namespace Portico.GraphQL;

/// <summary>
/// Where an entity fetch reads its representations and writes its answers: the objects of type <see cref="TypeName"/>
/// at <see cref="Path"/> (response keys; lists are walked through), with the fields the fetch adds to them.
/// </summary>
internal sealed class EntityTarget(string[] path, string typeName, string[] requiredFields)
{
    public string[] Path { get; } = path;

    public string TypeName { get; } = typeName;

    /// <summary>
    /// The parent fields the fetch reads (the entity's key, the fields a selected field <c>@requires</c>, or a REST
    /// call's parent placeholders): every representation of the target carries all of them, since every selection of
    /// the target is resolved for every object.
    /// </summary>
    public string[] RequiredFields { get; private set; } = requiredFields;

    /// <summary>Adds <paramref name="fields"/> to <see cref="RequiredFields"/>.</summary>
    public void Require(string[] fields) => RequiredFields = [.. RequiredFields.Union(fields, StringComparer.Ordinal)];

    /// <summary>The selections the fetch resolves on each object (for REST: each one a REST field).</summary>
    public List<SelectionNode> Selections { get; } = [];
}
