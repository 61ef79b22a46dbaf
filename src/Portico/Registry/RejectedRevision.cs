namespace Portico.Registry;

/// <summary>A registry revision that was read and rejected while the live snapshot kept serving.</summary>
/// <param name="Revision">The store's revision marker of the rejected content.</param>
/// <param name="ErrorCount">How many errors it had (the errors themselves are in the log, event 101).</param>
/// <param name="At">When it was rejected.</param>
public sealed record RejectedRevision(string Revision, int ErrorCount, DateTimeOffset At);
