using Portico.Storage.Tables;

namespace Portico.Auth;

/// <summary>API keys in Table mode: their table and the cache that bounds how stale a lookup may be.</summary>
public sealed class ApiKeyStoreOptions
{
    /// <summary>The table holding keys issued with <c>portico keys create --storage</c>. Default <c>PorticoApiKeys</c>.</summary>
    public string TableName { get; set; } = TableApiKeyStore.DefaultTableName;

    /// <summary>
    /// How long a key looked up in Table storage is reused. A revoked key stops working within this bound. Default 30 s.
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long "no such key" is remembered, so unknown keys do not reach storage on every request. Default 5 s.</summary>
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for one lookup; beyond it the request gets 503. Default 2 s.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most keys cached at once. Default 100,000.</summary>
    public int MaxCachedKeys { get; set; } = 100_000;
}
