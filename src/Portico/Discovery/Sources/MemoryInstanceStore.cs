using System.Collections.Concurrent;

namespace Portico.Discovery.Sources;

/// <summary>
/// Registrations in this gateway instance's memory, for a gateway without Table storage (a registry file, one
/// instance): they are lost when the process stops, and another instance never sees them (docs/discovery.md).
/// </summary>
internal sealed class MemoryInstanceStore : IInstanceStore
{
    private readonly ConcurrentDictionary<(string Backend, string Url), InstanceRecord> _records = new();

    public bool IsShared => false;

    public Task<IReadOnlyList<InstanceRecord>> ListAsync(string backendId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InstanceRecord>>([.. _records.Values.Where(r => r.BackendId == backendId).OrderBy(r => r.Url, StringComparer.Ordinal)]);

    public Task UpsertAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        _records[(record.BackendId, record.Url)] = record;
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string backendId, string url, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryRemove((backendId, url), out _));
}
