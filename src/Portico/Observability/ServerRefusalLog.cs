using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Portico.Observability;

/// <summary>
/// Records requests Kestrel refuses while parsing them (400 for a malformed request line or header, 414 for a request
/// line over the limit, 431 for headers over it, 408 for headers still arriving when the timeout runs out): they never
/// reach the gateway, so without this an attack made of them would leave no trace (issue 17). Each one becomes an
/// access-log record (<see cref="AccessLog.WriteRefused"/>) and a count in <c>portico.requests.refused</c>.
/// </summary>
/// <remarks>
/// Kestrel writes the event <c>Microsoft.AspNetCore.Server.Kestrel.BadRequest</c> to the host's
/// <see cref="DiagnosticListener"/> for every request it refuses, with the connection's features: the
/// <see cref="IBadRequestExceptionFeature"/> holds the status and reason, <see cref="IHttpConnectionFeature"/> the
/// client's address. A request that reached the gateway (a body refused while it is read) is the gateway's to
/// log, and is skipped. The address is the socket's: trusted-proxy headers are not read from a request that could not be
/// parsed. Subscribing costs the other requests one predicate call per hosting event name.
/// </remarks>
internal sealed class ServerRefusalLog : IObserver<KeyValuePair<string, object?>>
{
    /// <summary>The name of Kestrel's diagnostic event for a refused request.</summary>
    public const string EventName = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    // Kestrel quotes at most 128 bytes of a malformed line, escaped; the cap keeps a log line bounded whatever it does.
    private const int MaxReasonLength = 256;

    private readonly AccessLog _accessLog;
    private readonly PorticoMetrics _metrics;
    private readonly TimeProvider _timeProvider;

    private ServerRefusalLog(AccessLog accessLog, PorticoMetrics metrics, TimeProvider timeProvider)
    {
        _accessLog = accessLog;
        _metrics = metrics;
        _timeProvider = timeProvider;
    }

    /// <summary>Starts recording the requests the host's server refuses; dispose the result to stop.</summary>
    public static IDisposable Subscribe(IServiceProvider services)
    {
        var log = new ServerRefusalLog(
            services.GetRequiredService<AccessLog>(), services.GetRequiredService<PorticoMetrics>(), services.GetRequiredService<TimeProvider>());
        return services.GetRequiredService<DiagnosticListener>().Subscribe(log, static (name, _, _) => name == EventName);
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != EventName || value.Value is not IFeatureCollection features
            || features.Get<IBadRequestExceptionFeature>()?.Error is not BadHttpRequestException refusal
            || features.Get<Pipeline.GatewayContext>() is not null)
        {
            // Kestrel raises the event also for a body it refuses while the gateway reads it; the gateway answers and
            // logs that request itself (its context is among the request's features), so it is not counted twice.
            return;
        }

        var status = refusal.StatusCode;
        _metrics.RequestsRefused.Add(1, new KeyValuePair<string, object?>("http.response.status_code", PorticoMetrics.Box(status)));
        _accessLog.WriteRefused(_timeProvider.GetUtcNow(), status, Unmapped(features.Get<IHttpConnectionFeature>()?.RemoteIpAddress), Clean(refusal.Message));
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    private static IPAddress? Unmapped(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>The reason with control characters replaced and its length bounded: part of it is the client's bytes.</summary>
    private static string Clean(string reason)
    {
        var length = Math.Min(reason.Length, MaxReasonLength);
        return string.Create(length, reason, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsControl(c) ? '?' : c;
            }
        });
    }
}
