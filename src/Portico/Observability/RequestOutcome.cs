namespace Portico.Observability;

/// <summary>
/// How a request's exchange ended, beside its status (issue 23): once the status line is sent a broken body cannot
/// change it, so the access log (<c>outcome</c>), the request metrics and the span (<c>error.type</c>) say so here.
/// </summary>
public enum RequestOutcome
{
    /// <summary>The response was sent whole (whatever its status).</summary>
    Completed,

    /// <summary>The backend broke the exchange after its response had started: the client got a truncated body.</summary>
    UpstreamAborted,

    /// <summary>The client went away before the response was sent whole.</summary>
    ClientAborted,
}
