using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Observability;

/// <summary>
/// Wraps the whole pipeline: one span per request (continuing the caller's W3C trace), request metrics, one
/// structured access-log event, and the last-chance handler that turns a bug into a logged 500.
/// </summary>
internal sealed partial class ObservabilityStage : IGatewayStage
{
    /// <summary>The logger category of the access log, so it can be routed or silenced on its own.</summary>
    public const string AccessLogCategory = AccessLog.Category;

    private readonly PorticoMetrics _metrics;
    private readonly AccessLog _accessLog;
    private readonly Analytics.AnalyticsRecorder _analytics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public ObservabilityStage(PorticoMetrics metrics, AccessLog accessLog, Analytics.AnalyticsRecorder analytics, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _metrics = metrics;
        _accessLog = accessLog;
        _analytics = analytics;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<ObservabilityStage>();
    }

    public async Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var http = context.HttpContext;
        using var activity = StartActivity(http);

        ByteCountingStream? bytesIn = null;
        CountingResponseBody? bytesOut = null;
        var logAccess = _accessLog.IsEnabled;
        if (logAccess || _analytics.IsEnabled)
        {
            // Byte counts feed the access log and traffic analytics alike: one pair of counting streams for both.
            // A request that cannot have a body (neither Content-Length nor chunked, RFC 9112 §6.3) sends none:
            // nothing to count, and one object less per request.
            if (http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
            {
                http.Request.Body = bytesIn = new ByteCountingStream(http.Request.Body);
            }

            // Counted in a body feature of our own rather than by replacing Response.Body (see CountingResponseBody).
            bytesOut = new CountingResponseBody(http.Features.Get<IHttpResponseBodyFeature>()!);
            http.Features.Set<IHttpResponseBodyFeature>(bytesOut);
        }

        try
        {
            var answerInternalError = false;
            try
            {
                await next(context);
                await context.EndDispatchAsync(); // the proxy dispatcher's closing work, left to the stage awaiting it
            }
            catch (Exception ex) when (context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                LogAbortedDuringProcessing(_logger, context.RouteId, ex.GetType().Name);
                context.HttpContext.Response.StatusCode = 499;
            }
            catch (Exception ex)
            {
                LogUnhandled(_logger, context.RouteId, ex);
                answerInternalError = AnswersInternalError(context.HttpContext);
            }

            // Awaited outside the handler: an await inside a catch gives the state machine of every request the
            // fields to keep the exception across it (issue 25, allocation per request).
            if (answerInternalError)
            {
                await ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.InternalError);
            }
        }
        finally
        {
            // After the awaits, the request is read from the context: a local kept across them would be one more
            // field of every request's state machine (issue 25).
            Finish(context, activity, bytesIn, bytesOut, logAccess);
        }
    }

    /// <summary>After an unhandled error: a response already started is aborted; otherwise it is cleared for the 500.</summary>
    private static bool AnswersInternalError(HttpContext http)
    {
        if (http.Response.HasStarted)
        {
            http.Abort();
            return false;
        }

        http.Response.Clear();
        return true;
    }

    /// <summary>The end of every request, however it left the pipeline: held slots back, metrics, analytics, the span and the access log.</summary>
    private void Finish(GatewayContext context, Activity? activity, ByteCountingStream? bytesIn, CountingResponseBody? bytesOut, bool logAccess)
    {
        var http = context.HttpContext;

        // The slots the stages inside took for this request (load shedding, in flight per address) go back first.
        context.ReleaseHeld();
        var elapsed = Stopwatch.GetElapsedTime(context.StartTimestamp);
        var status = http.Response.StatusCode;
        if (context.Outcome == RequestOutcome.Completed && http.RequestAborted.IsCancellationRequested)
        {
            // The connection ended before the response did, and no stage said it was the backend's doing.
            context.Outcome = RequestOutcome.ClientAborted;
        }

        var outcome = context.Outcome;
        _metrics.RecordRequest(context.RouteId, http.Request.Method, status, elapsed, context.BackendId, context.UpstreamDuration, outcome);
        _analytics.Record(context, status, elapsed, bytesIn?.Count ?? 0, bytesOut?.Count ?? 0);
        if (activity is not null)
        {
            activity.DisplayName = context.RouteId is null ? http.Request.Method : $"{http.Request.Method} {context.RouteId}";
            activity.SetTag("portico.route", context.RouteId);
            activity.SetTag("portico.backend", context.BackendId);
            activity.SetTag("http.response.status_code", PorticoMetrics.Box(status));
            if (outcome != RequestOutcome.Completed)
            {
                activity.SetTag("error.type", outcome.Name());
            }

            if (status >= 500 || outcome == RequestOutcome.UpstreamAborted)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome == RequestOutcome.UpstreamAborted ? "the backend broke the response" : null);
            }
        }

        if (logAccess)
        {
            _accessLog.Write(new AccessLogEntry(
                _timeProvider.GetUtcNow(), http.Request.Method, http.Request.Path.Value, status, context.RouteId, context.BackendId,
                context.Identity.ConsumerId, context.Client.Address, elapsed.TotalMilliseconds, context.UpstreamDuration?.TotalMilliseconds,
                bytesIn?.Count ?? 0, bytesOut!.Count, context.TraceId, outcome, Cache: context.CacheOutcome));
        }
    }

    private static Activity? StartActivity(HttpContext http)
    {
        var source = PorticoTelemetry.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        if (Activity.Current is null
            && ActivityContext.TryParse(http.Request.Headers.TraceParent, http.Request.Headers.TraceState, isRemote: true, out var parent))
        {
            // No server span from the host: continue the caller's trace ourselves.
            return Start(source, http, ActivityKind.Server, parent);
        }

        return Start(source, http, Activity.Current is null ? ActivityKind.Server : ActivityKind.Internal, default);
    }

    private static Activity? Start(ActivitySource source, HttpContext http, ActivityKind kind, ActivityContext parent)
    {
        var activity = source.StartActivity("gateway", kind, parent);
        activity?.SetTag("http.request.method", PorticoMetrics.NormalizeMethod(http.Request.Method));
        activity?.SetTag("url.path", http.Request.Path.Value);
        return activity;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Unhandled error on route {RouteId}")]
    private static partial void LogUnhandled(ILogger logger, string? routeId, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Client went away on route {RouteId} ({ExceptionType})")]
    private static partial void LogAbortedDuringProcessing(ILogger logger, string? routeId, string exceptionType);
}
