namespace Portico.Resilience.CircuitBreakers;

/// <summary>Where instances share circuit state (Table storage in Table mode). Written on transitions, read on a timer.</summary>
internal interface ICircuitBreakerStore
{
    /// <summary>Names the store in logs.</summary>
    string Description { get; }

    /// <summary>Every record, in one query.</summary>
    Task<IReadOnlyList<CircuitBreakerRecord>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records a transition. An open record always wins (opening is the safe direction); a closed record only
    /// replaces an open one decided no later than <see cref="CircuitBreakerRecord.ChangedAt"/>, so a close never
    /// erases a newer open by another instance.
    /// </summary>
    Task WriteAsync(CircuitBreakerRecord record, CancellationToken cancellationToken);
}
