using System.Collections.Concurrent;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>A subgraph server on loopback that keeps the body of every call it receives, to count and inspect them.</summary>
public sealed class TestSubgraph(TestBackend backend, ConcurrentQueue<string> bodies) : IAsyncDisposable
{
    public TestBackend Backend { get; } = backend;

    public string Url => Backend.Url;

    /// <summary>Calls received.</summary>
    public int Count => Backend.Count;

    /// <summary>The bodies of the calls received, in order.</summary>
    public IReadOnlyList<string> Bodies => [.. bodies];

    public IReadOnlyList<ReceivedRequest> Requests => Backend.Requests;

    public ValueTask DisposeAsync() => Backend.DisposeAsync();
}
