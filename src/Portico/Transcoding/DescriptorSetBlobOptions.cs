namespace Portico.Transcoding;

/// <summary>
/// The Blob container of descriptor sets named by a route's <c>descriptorSetBlob</c>. In Azure set
/// <see cref="ServiceUri"/> (managed identity, no key); <see cref="ConnectionString"/> is for Azurite and local runs.
/// With neither set, the shared cache's Blob account (<c>Portico:Caching:Blob</c>) is used when it has one.
/// </summary>
public sealed class DescriptorSetBlobOptions
{
    /// <summary>The largest <see cref="MaxSize"/> accepted: 64 MiB.</summary>
    public const long MaxSizeLimit = 64L * 1024 * 1024;

    /// <summary>Account endpoint, for example <c>https://account.blob.core.windows.net</c>.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>Client id of a user-assigned managed identity; the system identity when empty.</summary>
    public string? ClientId { get; set; }

    /// <summary>A connection string, for Azurite (<c>UseDevelopmentStorage=true</c>) and local runs only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container. Default <c>portico-descriptors</c>.</summary>
    public string Container { get; set; } = "portico-descriptors";

    /// <summary>Longest wait for every descriptor set of one registry load. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest descriptor set read, in bytes. Default 16 MiB.</summary>
    public long MaxSize { get; set; } = 16L * 1024 * 1024;
}
