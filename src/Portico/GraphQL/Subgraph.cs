using Portico.Proxy;

namespace Portico.GraphQL;

/// <summary>One compiled subgraph of a GraphQL route.</summary>
internal sealed class Subgraph(string name, SubgraphKind kind, CompiledBackend backend, Uri endpoint)
{
    public string Name { get; } = name;

    public SubgraphKind Kind { get; } = kind;

    public CompiledBackend Backend { get; } = backend;

    /// <summary>The GraphQL endpoint (GraphQL kinds); the backend's root for REST subgraphs.</summary>
    public Uri Endpoint { get; } = endpoint;

    /// <summary>The REST resolvers of a <c>rest</c> subgraph, keyed <c>Type.field</c>.</summary>
    public Dictionary<string, RestFieldResolver> RestFields { get; } = new(StringComparer.Ordinal);

    /// <summary>The span name of this subgraph's fetches.</summary>
    public string ActivityName { get; } = "graphql fetch " + name;

    /// <summary>The REST resolver of <paramref name="type"/>.<paramref name="field"/>, if this subgraph has one.</summary>
    public RestFieldResolver? RestFor(string type, string field) =>
        Kind == SubgraphKind.Rest && RestFields.TryGetValue(type + "." + field, out var resolver) ? resolver : null;
}
