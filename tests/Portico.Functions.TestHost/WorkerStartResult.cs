namespace Portico.Functions.TestHost;

/// <summary>How starting a worker ended: its functions loaded, or the reason it did not get there.</summary>
/// <param name="Ready">True when the worker initialized and loaded its functions.</param>
/// <param name="Failure">Why it is not ready: the host's report of the exit, a refused message, or a timeout.</param>
public sealed record WorkerStartResult(bool Ready, string? Failure)
{
    public static WorkerStartResult Success { get; } = new(true, null);

    public static WorkerStartResult Failed(string reason) => new(false, reason);
}
