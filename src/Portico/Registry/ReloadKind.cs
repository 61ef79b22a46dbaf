namespace Portico.Registry;

/// <summary>The kinds of reload outcome.</summary>
internal enum ReloadKind
{
    /// <summary>A new snapshot is live.</summary>
    Applied,

    /// <summary>The content is the same as the live snapshot's.</summary>
    Unchanged,

    /// <summary>The content is invalid; the previous snapshot stays live.</summary>
    Rejected,

    /// <summary>The store could not be read; the previous snapshot stays live.</summary>
    Failed,
}
