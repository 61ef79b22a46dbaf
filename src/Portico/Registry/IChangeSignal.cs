namespace Portico.Registry;

/// <summary>An edge-triggered notification that a store's content changed, to reload sooner than the next poll.</summary>
public interface IChangeSignal
{
    /// <summary>Completes at the next change after the call (or when <paramref name="cancellationToken"/> fires).</summary>
    Task WaitAsync(CancellationToken cancellationToken);
}
