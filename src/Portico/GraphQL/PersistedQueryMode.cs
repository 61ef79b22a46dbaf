namespace Portico.GraphQL;

/// <summary>How a GraphQL route treats persisted queries (docs/graphql.md#persisted-queries).</summary>
internal enum PersistedQueryMode
{
    /// <summary>Documents come as text; a hash alone is refused.</summary>
    Off,

    /// <summary>Automatic persisted queries: a document sent once with its hash can then be sent by hash alone.</summary>
    Apq,

    /// <summary>Only listed documents run, sent by hash or in full.</summary>
    AllowList,
}
