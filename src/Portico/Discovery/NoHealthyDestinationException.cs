using Polly;

namespace Portico.Discovery;

/// <summary>
/// Every destination of a backend is ejected and the backend does not fail open: the attempt was not sent. Answered
/// <c>503 no-healthy-destination</c> with <c>Retry-After</c> (until the first ejection ends); like the bulkhead's
/// refusal it never counts against the backend's circuit, and it derives from Polly's <see cref="ExecutionRejectedException"/>.
/// </summary>
public sealed class NoHealthyDestinationException : ExecutionRejectedException
{
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>A refusal with the standard message.</summary>
    public NoHealthyDestinationException()
        : this("No destination of the backend is healthy.")
    {
    }

    /// <summary>A refusal with <paramref name="message"/>.</summary>
    public NoHealthyDestinationException(string message)
        : base(message) => RetryAfter = DefaultRetryAfter;

    /// <summary>A refusal with <paramref name="message"/> and the exception behind it.</summary>
    public NoHealthyDestinationException(string message, Exception innerException)
        : base(message, innerException) => RetryAfter = DefaultRetryAfter;

    /// <summary>The refusal for <paramref name="backendId"/>, which may be called again after <paramref name="retryAfter"/>.</summary>
    public NoHealthyDestinationException(string backendId, TimeSpan retryAfter)
        : base($"No destination of backend '{backendId}' is healthy.") => RetryAfter = retryAfter;

    /// <summary>How long until the first ejected destination returns.</summary>
    public TimeSpan RetryAfter { get; }
}
