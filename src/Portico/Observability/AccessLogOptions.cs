namespace Portico.Observability;

/// <summary>Where the per-request access log goes.</summary>
public sealed class AccessLogOptions
{
    /// <summary>
    /// <see cref="AccessLogOutput.Logger"/> (default: an <c>ILogger</c> event, category <c>Portico.AccessLog</c>, which
    /// reaches Application Insights under Functions), <see cref="AccessLogOutput.Stdout"/> (JSON lines written in batches
    /// by a background writer: the cheap choice for containers and <c>portico serve</c>, its default), or
    /// <see cref="AccessLogOutput.None"/>.
    /// </summary>
    public AccessLogOutput Output { get; set; } = AccessLogOutput.Logger;

    /// <summary>Entries the stdout writer may hold before it drops new ones (counted, never blocking a request). Default 16384.</summary>
    public int BufferSize { get; set; } = 16_384;
}
