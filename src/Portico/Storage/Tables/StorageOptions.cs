namespace Portico.Storage.Tables;

/// <summary>
/// The Table storage account. In Azure set <see cref="TableServiceUri"/> (and <see cref="ClientId"/> for a
/// user-assigned identity): no key anywhere. <see cref="ConnectionString"/> is for Azurite and local runs.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>Account endpoint, for example <c>https://account.table.core.windows.net</c>, reached with managed identity.</summary>
    public string? TableServiceUri { get; set; }

    /// <summary>Client id of the user-assigned managed identity to use; the system identity or developer login when empty.</summary>
    public string? ClientId { get; set; }

    /// <summary>A connection string, for Azurite (<c>UseDevelopmentStorage=true</c>) and local runs only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether any storage is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(TableServiceUri) || !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The endpoint or connection string, endpoint first.</summary>
    public string? Target => string.IsNullOrWhiteSpace(TableServiceUri) ? ConnectionString : TableServiceUri;
}
