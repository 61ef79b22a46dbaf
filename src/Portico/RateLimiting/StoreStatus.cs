namespace Portico.RateLimiting;

/// <summary>How one counter-storage operation ended. Failures are values: the caller degrades, it never throws.</summary>
internal enum StoreStatus
{
    Ok,

    /// <summary>The entity does not exist (read).</summary>
    NotFound,

    /// <summary>Another instance changed (412) or created (409) the entity first: read it again and retry.</summary>
    Conflict,

    /// <summary>Storage is unreachable, throttling, too slow or refusing: the policy's failure mode applies.</summary>
    Failed,
}
