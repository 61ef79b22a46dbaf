namespace Portico.Proxy;

/// <summary>The shared connection pool to backends.</summary>
public sealed class UpstreamOptions
{
    /// <summary>Longest wait for a TCP (and TLS) connection to a backend. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle pooled connection is kept. Default 60 s.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a pooled connection lives before it is replaced (follows DNS changes). Default 5 min.</summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
