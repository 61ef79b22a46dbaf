namespace Portico.Caching;

/// <summary>
/// The optional shared store (L2) in Azure Blob storage, so a new or scaled-out instance starts warm. In Azure set
/// <see cref="ServiceUri"/> (managed identity, no key); <see cref="ConnectionString"/> is for Azurite and local runs.
/// </summary>
public sealed class BlobCacheOptions
{
    /// <summary>Account endpoint, for example <c>https://account.blob.core.windows.net</c>.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>Client id of a user-assigned managed identity; the system identity when empty.</summary>
    public string? ClientId { get; set; }

    /// <summary>A connection string, for Azurite (<c>UseDevelopmentStorage=true</c>) and local runs only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container. Default <c>portico-cache</c>.</summary>
    public string Container { get; set; } = "portico-cache";

    /// <summary>Longest wait for one Blob read or write; past it the request goes on without L2. Default 2 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long L2 is skipped after a failure, so an outage costs one timeout per interval, not one per request. Default 30 s.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether L2 is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ServiceUri) || !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The endpoint or connection string, endpoint first.</summary>
    public string? Target => string.IsNullOrWhiteSpace(ServiceUri) ? ConnectionString : ServiceUri;
}
