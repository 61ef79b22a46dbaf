namespace Portico.Resilience.Timeouts;

/// <summary>
/// An attempt was cancelled by one of the route's timeouts rather than by the caller. It stays an
/// <see cref="OperationCanceledException"/>, so the timeout that fired can still be told from other failures,
/// while the circuit breaker can count it as the backend's failure (a client that went away is not one).
/// </summary>
internal sealed class UpstreamTimeoutException(OperationCanceledException inner)
    : OperationCanceledException("The backend did not answer before the route's timeout.", inner, inner.CancellationToken);
