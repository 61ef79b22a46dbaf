namespace Portico.Configuration;

/// <summary>How an item differs.</summary>
public enum RegistryChangeType
{
    /// <summary>Only in the desired registry.</summary>
    Added,

    /// <summary>Only in the current registry.</summary>
    Removed,

    /// <summary>In both, with different content.</summary>
    Changed,
}
