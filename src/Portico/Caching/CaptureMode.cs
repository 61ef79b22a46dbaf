namespace Portico.Caching;

/// <summary>What <see cref="ResponseCapture"/> does with a response once its status and headers are known.</summary>
internal enum CaptureMode
{
    /// <summary>Not known yet: nothing was written.</summary>
    Undecided,

    /// <summary>Passed to the client untouched.</summary>
    Pass,

    /// <summary>Passed to the client and copied, up to the route's body limit, to be stored.</summary>
    Store,

    /// <summary>
    /// Held back: the backend's 304 to the gateway's own revalidation, which updates the stored response that the
    /// client then gets instead (RFC 9111 §4.3.3).
    /// </summary>
    Absorb,
}
