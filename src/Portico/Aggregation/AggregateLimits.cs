namespace Portico.Aggregation;

/// <summary>Defaults and bounds of composite routes (docs/configuration.md lists them).</summary>
internal static class AggregateLimits
{
    /// <summary>Default deadline of a composite request.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Parts of one request calling backends at once, by default.</summary>
    public const int DefaultMaxConcurrency = 8;

    /// <summary>Upper bound of <c>maxConcurrency</c>.</summary>
    public const int MaxConcurrency = 64;

    /// <summary>Most parts a composite route may have: each is work done for one client request.</summary>
    public const int MaxParts = 32;

    /// <summary>Default largest merged answer.</summary>
    public const long DefaultMaxResponseSize = 4 * 1024 * 1024;

    /// <summary>Default largest answer read from one part's backend.</summary>
    public const long DefaultPartMaxResponseSize = 1024 * 1024;

    /// <summary>Upper bound of both response limits: answers are held in memory while they are merged.</summary>
    public const long MaxResponseSize = 64 * 1024 * 1024;

    /// <summary>
    /// Default request body limit of composite routes. Their client body is buffered (several parts may read it), so
    /// the default is far below the 100 MB a streamed proxy body may have.
    /// </summary>
    public const long DefaultMaxRequestBodySize = 1024 * 1024;

    /// <summary>A response size limit (<c>maxResponseSize</c> of the route or of a part): 1 byte to <see cref="MaxResponseSize"/>.</summary>
    public static void CheckResponseSize(string field, long size, Action<string, string> error)
    {
        if (size is < 1 or > MaxResponseSize)
        {
            error(field, $"must be between 1 and {MaxResponseSize} bytes (64 MiB)");
        }
    }
}
