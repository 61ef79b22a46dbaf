namespace Portico.Aggregation;

/// <summary>How one part of a composite request ended (the <c>portico.part.outcome</c> tag).</summary>
internal enum PartOutcome
{
    /// <summary>Not finished yet.</summary>
    Pending,

    /// <summary>A 2xx JSON answer within the limits.</summary>
    Ok,

    /// <summary>The backend answered with a status other than 2xx.</summary>
    HttpError,

    /// <summary>The backend could not be reached, or broke the exchange.</summary>
    Unreachable,

    /// <summary>The part's own <c>timeout</c> passed.</summary>
    Timeout,

    /// <summary>The route's deadline passed before the part finished.</summary>
    Deadline,

    /// <summary>The answer is larger than the part's <c>maxResponseSize</c>, or would push the merged answer over the route's.</summary>
    TooLarge,

    /// <summary>The answer is not JSON, the pointer selects nothing, or a root merge gets no object.</summary>
    Invalid,

    /// <summary>A value the part's request needs is missing or unusable.</summary>
    MissingValue,

    /// <summary>A part it depends on failed, so it was not called.</summary>
    DependencyFailed,

    /// <summary>Stopped because a required part failed or the client went away.</summary>
    Cancelled,

    /// <summary>The backend's resilience refused the call without sending it (an open circuit, a full bulkhead).</summary>
    Refused,
}
