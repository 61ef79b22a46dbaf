namespace Portico.Configuration;

/// <summary>One service of a GraphQL route: a GraphQL service (federated or plain), or REST calls exposed as GraphQL fields.</summary>
public sealed record GraphQLSubgraphDefinition
{
    /// <summary>The subgraph's name, unique in the route, used in errors, spans and metrics.</summary>
    public required string Name { get; init; }

    /// <summary>Id of the backend the subgraph is served by.</summary>
    public required string Backend { get; init; }

    /// <summary>
    /// <c>federated</c> (default): a GraphQL service that resolves its <c>@key</c> entities through <c>_entities</c>;
    /// <c>graphql</c>: a plain GraphQL service; <c>rest</c>: fields resolved by REST calls (<see cref="Fields"/>).
    /// </summary>
    public string? Kind { get; init; }

    /// <summary>The path of the GraphQL endpoint on the backend. Default <c>/graphql</c>; not used by <c>rest</c> subgraphs.</summary>
    public string? Path { get; init; }

    /// <summary>The subgraph's schema in GraphQL SDL. Exactly one of <see cref="Sdl"/>, <see cref="SdlFile"/> and <see cref="Introspect"/>.</summary>
    public string? Sdl { get; init; }

    /// <summary>A file holding the subgraph's SDL, relative to the registry file.</summary>
    public string? SdlFile { get; init; }

    /// <summary>
    /// Whether the schema is read from the subgraph when the registry is loaded: <c>_service { sdl }</c> for a federated
    /// subgraph, the introspection query for a plain one.
    /// </summary>
    public bool? Introspect { get; init; }

    /// <summary>
    /// For <c>rest</c> subgraphs: the REST call resolving each field, keyed <c>Type.field</c> (<c>Query.weather</c>,
    /// <c>Product.reviews</c>).
    /// </summary>
    public IReadOnlyDictionary<string, GraphQLRestFieldDefinition>? Fields { get; init; }
}
