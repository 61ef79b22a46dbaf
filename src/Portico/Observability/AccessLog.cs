using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.Observability;

/// <summary>
/// The access log: one record per request, to an <c>ILogger</c> event or to JSON lines on standard output
/// (<see cref="AccessLogOptions"/>). Formatting and I/O for stdout happen off the request path.
/// </summary>
internal sealed partial class AccessLog : IAsyncDisposable
{
    /// <summary>The logger category of the access log, so it can be routed or silenced on its own.</summary>
    public const string Category = "Portico.AccessLog";

    /// <summary>The event id of a request the server refused before the gateway saw it (<see cref="WriteRefused"/>).</summary>
    public const int RefusedEventId = 2;

    private readonly ILogger _logger;
    private readonly JsonLinesAccessLogWriter? _stdout;

    public AccessLog(IOptions<PorticoOptions> options, ILoggerFactory loggerFactory, PorticoMetrics metrics)
    {
        _logger = loggerFactory.CreateLogger(Category);
        var settings = options.Value.AccessLog;
        switch (settings.Output)
        {
            case AccessLogOutput.Stdout:
                _stdout = new JsonLinesAccessLogWriter(Console.OpenStandardOutput(), settings.BufferSize, () => metrics.AccessLogDropped.Add(1));
                IsEnabled = true;
                break;
            case AccessLogOutput.Logger:
                IsEnabled = _logger.IsEnabled(LogLevel.Information);
                break;
        }
    }

    /// <summary>Whether requests should be measured for the log at all (byte counts cost a little).</summary>
    public bool IsEnabled { get; }

    public void Write(in AccessLogEntry entry)
    {
        if (_stdout is not null)
        {
            _stdout.Write(entry);
            return;
        }

        LogAccess(
            _logger, entry.Method, entry.Path, entry.Status, entry.RouteId, entry.BackendId,
            entry.DurationMs, entry.UpstreamMs, entry.BytesIn, entry.BytesOut, entry.Outcome.Name(), entry.Cache, entry.TraceId.ToString());
    }

    /// <summary>
    /// Records a request the server refused while parsing it: no method, path or route is known, only the status the
    /// client got, the server's reason and the connection's address.
    /// </summary>
    public void WriteRefused(DateTimeOffset time, int status, System.Net.IPAddress? client, string reason)
    {
        if (_stdout is not null)
        {
            _stdout.Write(new AccessLogEntry(time, null, null, status, null, null, null, client, 0, null, 0, 0, default, RequestOutcome.Completed, reason));
            return;
        }

        if (IsEnabled)
        {
            LogRefused(_logger, status, reason, client);
        }
    }

    /// <summary>Flushes what the stdout writer still holds.</summary>
    public ValueTask DisposeAsync() => _stdout?.DisposeAsync() ?? ValueTask.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "{Method} {Path} {StatusCode} route={RouteId} backend={BackendId} {DurationMs:0.###} ms upstream={UpstreamMs:0.###} ms in={BytesIn} out={BytesOut} {Outcome} cache={Cache} trace={TraceId}")]
    private static partial void LogAccess(
        ILogger logger, string? method, string? path, int statusCode, string? routeId, string? backendId,
        double durationMs, double? upstreamMs, long bytesIn, long bytesOut, string outcome, string? cache, string traceId);

    [LoggerMessage(EventId = RefusedEventId, Level = LogLevel.Information, Message = "Refused by the server: {StatusCode} {Reason} client={Client}")]
    private static partial void LogRefused(ILogger logger, int statusCode, string reason, System.Net.IPAddress? client);
}
