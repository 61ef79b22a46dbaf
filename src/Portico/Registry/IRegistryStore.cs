using Portico.Configuration;

namespace Portico.Registry;

/// <summary>
/// Where the registry lives: a declarative JSON file (DB-less) or Azure Table storage. Both pass the same
/// contract tests (tests/Portico.Tests/Storage/RegistryStoreContract.cs).
/// </summary>
public interface IRegistryStore
{
    /// <summary>A human description for logs and errors, for example <c>file portico.json</c>.</summary>
    string Description { get; }

    /// <summary>
    /// A cheap marker that changes whenever the content may have changed (a file's size and time, a table's
    /// revision entity ETag). Polled on the reload interval; never a full read.
    /// </summary>
    Task<string> GetRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Reads the whole registry. Shape errors come back located (file line, or table entity).</summary>
    Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes the store hold <paramref name="document"/>: items are added or replaced by id; with
    /// <paramref name="prune"/>, items the document does not name are removed. Unchanged items are not
    /// rewritten, so importing the same document twice changes nothing.
    /// </summary>
    Task<RegistryDiff> ImportAsync(RegistryDocument document, bool prune, CancellationToken cancellationToken);

    /// <summary>A signal that fires when the store knows it changed (a file watcher); null when only polling works.</summary>
    IChangeSignal? ChangeSignal { get; }
}
