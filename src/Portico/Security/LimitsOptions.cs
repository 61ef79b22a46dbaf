namespace Portico.Security;

/// <summary>Request size limits applied before a request reaches a backend.</summary>
public sealed class LimitsOptions
{
    /// <summary>Default largest request body in bytes when a route sets none: 100 MB, the Functions host's own limit.</summary>
    public long MaxRequestBodySize { get; set; } = 100 * 1024 * 1024;
}
