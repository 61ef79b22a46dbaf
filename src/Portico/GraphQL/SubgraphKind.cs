namespace Portico.GraphQL;

/// <summary>How a subgraph is called.</summary>
internal enum SubgraphKind
{
    /// <summary>A GraphQL service resolving its <c>@key</c> entities through <c>_entities</c> (Apollo Federation 2).</summary>
    Federated,

    /// <summary>A GraphQL service without <c>_entities</c>: it answers its own root fields only.</summary>
    Plain,

    /// <summary>Fields resolved by REST calls declared in the registry.</summary>
    Rest,
}
