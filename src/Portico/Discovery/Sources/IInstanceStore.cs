namespace Portico.Discovery.Sources;

/// <summary>
/// Where registered instances are kept: Table storage (shared by every gateway instance) or, without storage, this
/// gateway instance's memory (docs/discovery.md#registration).
/// </summary>
internal interface IInstanceStore
{
    /// <summary>Whether every gateway instance sees the registrations (Table storage), rather than only this one.</summary>
    bool IsShared { get; }

    /// <summary>Every registration of <paramref name="backendId"/>, expired ones included (the caller filters and removes them).</summary>
    Task<IReadOnlyList<InstanceRecord>> ListAsync(string backendId, CancellationToken cancellationToken);

    /// <summary>Registers the instance, or renews its registration (a heartbeat).</summary>
    Task UpsertAsync(InstanceRecord record, CancellationToken cancellationToken);

    /// <summary>Removes the registration of <paramref name="url"/>; false when there was none.</summary>
    Task<bool> DeleteAsync(string backendId, string url, CancellationToken cancellationToken);
}
