namespace Portico.GraphQL;

/// <summary>The kind of a type of the composed schema.</summary>
internal enum SupergraphTypeKind
{
    Object,
    Interface,
    Union,
    Enum,
    Scalar,
    InputObject,
}
