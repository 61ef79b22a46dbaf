namespace Portico.RateLimiting.SharedCounters;

/// <summary>A request waiting for its counter's next storage call (<see cref="CounterBatchQueue"/>).</summary>
internal sealed class CounterWaiter
{
    /// <summary>Completes when <see cref="Decision"/> is set, or when this request is to lead the next call.</summary>
    public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request's answer, set by the call that decided it.</summary>
    public RateLimitDecision Decision;

    /// <summary>Set by the hand-off: this request makes the next storage call, for itself and those queued behind it.</summary>
    public bool Lead;
}
