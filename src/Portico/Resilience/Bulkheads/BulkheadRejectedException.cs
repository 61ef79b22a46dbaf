using Polly;

namespace Portico.Resilience.Bulkheads;

/// <summary>
/// A backend's bulkhead refused a call: as many calls were in flight as it allows, and its queue was full (or the wait
/// for a slot ran out). The request is answered <c>503 backend-busy</c> with <c>Retry-After</c>, the backend is not
/// called, and the refusal never counts against the backend's health. Like Polly's own refusals it derives from
/// <see cref="ExecutionRejectedException"/>.
/// </summary>
public sealed class BulkheadRejectedException : ExecutionRejectedException
{
    /// <summary>A refusal with the standard message.</summary>
    public BulkheadRejectedException()
        : base("The backend's bulkhead is full.")
    {
    }

    /// <summary>A refusal with <paramref name="message"/>.</summary>
    public BulkheadRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>A refusal with <paramref name="message"/> and the exception behind it.</summary>
    public BulkheadRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
