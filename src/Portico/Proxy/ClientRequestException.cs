using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Portico.Proxy;

/// <summary>
/// Reading the client's request body failed: the client broke the body's framing, sent more than the route allows,
/// went away, or was still being waited for when a timeout ran out. Thrown by <see cref="ClientBodyStream"/> in place
/// of the read's own exception, so that every layer between the client and the backend (the HTTP handler, the
/// resilience pipeline, the forwarder's error) can tell the client's fault from the backend's: it never counts against
/// the backend's circuit, is never retried and never triggers a fallback (DESIGN.md: a client's fault is never a
/// backend's fault).
/// </summary>
internal sealed class ClientRequestException(int status, Exception inner)
    : IOException("The client's request body could not be read.", inner)
{
    /// <summary>The status the client is answered with: 400, 408, 413, or 499 when the client went away.</summary>
    public int Status { get; } = status;

    /// <summary>The client fault in <paramref name="exception"/> or any exception it wraps, or null.</summary>
    public static ClientRequestException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ClientRequestException fault:
                    return fault;
                case AggregateException aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        if (Find(inner) is { } found)
                        {
                            return found;
                        }
                    }

                    return null;
            }
        }

        return null;
    }

    /// <summary>The answer for a failed read of the body: what the server said, or why the read stopped.</summary>
    public static int StatusFor(Exception readFailure, bool clientGone) => readFailure switch
    {
        // Malformed framing 400, over the limit 413, too slow 408 (the server also aborts the request for these).
        BadHttpRequestException bad => bad.StatusCode,
        _ when clientGone => StatusCodes.Status499ClientClosedRequest,
        // The read was cancelled while it waited for the client: a route or activity timeout ran out first.
        OperationCanceledException => StatusCodes.Status408RequestTimeout,
        ConnectionResetException => StatusCodes.Status499ClientClosedRequest, // the client's connection broke
        _ => StatusCodes.Status400BadRequest, // for example "Bad chunk size data"

    };
}
