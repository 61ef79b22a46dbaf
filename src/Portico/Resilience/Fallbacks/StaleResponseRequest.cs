namespace Portico.Resilience.Fallbacks;

/// <summary>What a stale response source is asked about.</summary>
public sealed class StaleResponseRequest
{
    internal StaleResponseRequest(string routeId, string backendId, HttpRequestMessage request, int? failedStatus, Exception? failure)
    {
        RouteId = routeId;
        BackendId = backendId;
        Request = request;
        FailedStatus = failedStatus;
        Failure = failure;
    }

    /// <summary>The route the request came through.</summary>
    public string RouteId { get; }

    /// <summary>The backend that failed.</summary>
    public string BackendId { get; }

    /// <summary>The request as it was sent upstream (method, absolute URI, headers); its body may have been consumed.</summary>
    public HttpRequestMessage Request { get; }

    /// <summary>The backend's status when it answered with a failure status; null when it could not be reached or timed out.</summary>
    public int? FailedStatus { get; }

    /// <summary>Why the call failed, when it did not answer (connection error, timeout, open circuit, full bulkhead).</summary>
    public Exception? Failure { get; }
}
