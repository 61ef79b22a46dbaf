using Azure;
using Azure.Identity;

namespace Portico.Storage;

/// <summary>
/// Tells a store's failure (the network, the storage service, the credential or the file system) from a bug.
/// A failure is an expected outcome: logged as a warning, counted and degraded as configured. Anything else is a
/// bug and must reach the log with its stack, so neither <see cref="AggregateException"/> nor
/// <see cref="OperationCanceledException"/> counts as a failure by its type alone.
/// </summary>
public static class StoreFailure
{
    /// <summary>Whether <paramref name="ex"/> is an exception a store throws when it cannot do its job.</summary>
    public static bool Is(Exception ex) => ex switch
    {
        RequestFailedException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException
            or AuthenticationFailedException or CredentialUnavailableException => true,
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.All(Is),
        _ => false,
    };

    /// <summary>
    /// Whether <paramref name="ex"/>, thrown by a store call, is a failure of that call: a store exception, or a
    /// cancellation that <paramref name="callerToken"/> did not ask for (the call's own time budget ran out, for
    /// example the storage client's network timeout or a timeout source wrapped around the call). Use it only around
    /// store calls; a cancellation the caller asked for (shutdown) is not a failure.
    /// </summary>
    public static bool Is(Exception ex, CancellationToken callerToken) => ex switch
    {
        OperationCanceledException => !callerToken.IsCancellationRequested,
        // The storage client's retry policy reports attempts that all failed as one AggregateException.
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.All(inner => Is(inner, callerToken)),
        _ => Is(ex),
    };
}
