namespace Portico.Caching;

/// <summary>
/// Where purges are recorded so every instance applies them (Table storage: <c>Storage/Tables/TablePurgeStore</c>).
/// Reads are by creation order, so an instance asks only for what it has not seen.
/// </summary>
public interface IPurgeStore
{
    /// <summary>For logs: where the purges live (never a connection string).</summary>
    string Description { get; }

    /// <summary>Records <paramref name="purge"/>.</summary>
    Task AddAsync(PurgeRecord purge, CancellationToken cancellationToken);

    /// <summary>The purges with an id after <paramref name="afterId"/>, oldest first.</summary>
    Task<IReadOnlyList<PurgeRecord>> ListAfterAsync(string afterId, CancellationToken cancellationToken);

    /// <summary>Deletes purges created before <paramref name="before"/>; the number deleted.</summary>
    Task<int> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
