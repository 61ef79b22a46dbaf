namespace Portico.Observability;

/// <summary>Access-log destinations.</summary>
public enum AccessLogOutput
{
    /// <summary>An <c>ILogger</c> event per request (category <c>Portico.AccessLog</c>, event id 1).</summary>
    Logger,

    /// <summary>One JSON line per request on standard output, written in batches off the request path.</summary>
    Stdout,

    /// <summary>No access log.</summary>
    None,
}
