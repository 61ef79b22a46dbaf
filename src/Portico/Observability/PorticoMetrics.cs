using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;

namespace Portico.Observability;

/// <summary>
/// Portico's instruments, on one meter named <c>Portico</c> created through <see cref="IMeterFactory"/>.
/// Tag names follow the OpenTelemetry HTTP semantic conventions where one exists.
/// </summary>
internal sealed class PorticoMetrics
{
    // Boxing a status code per request would allocate; the common ones are boxed once.
    private static readonly object[] BoxedStatus = Enumerable.Range(0, 600).Select(i => (object)i).ToArray();

    private static readonly double[] DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 230];

    public PorticoMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(PorticoTelemetry.Name);
        Requests = Meter.CreateCounter<long>("portico.requests", "{request}", "Requests answered by the gateway.");
        RequestsRefused = Meter.CreateCounter<long>("portico.requests.refused", "{request}", "Requests the server refused while parsing them, before the gateway saw them.");
        RequestDuration = Meter.CreateHistogram<double>(
            "portico.request.duration", "s", "Time from the gateway receiving a request to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        UpstreamDuration = Meter.CreateHistogram<double>(
            "portico.upstream.duration", "s", "Time spent on the upstream call of a request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        RegistryReloads = Meter.CreateCounter<long>("portico.registry.reloads", "{reload}", "Registry reload attempts by outcome (applied, rejected, failed).");
        AccessLogDropped = Meter.CreateCounter<long>("portico.accesslog.dropped", "{entry}", "Access-log entries dropped because the writer fell behind.");
        RateLimitDecisions = Meter.CreateCounter<long>("portico.ratelimit.decisions", "{decision}", "Rate-limit decisions by policy and outcome.");
        RateLimitStorageOperations = Meter.CreateCounter<long>("portico.ratelimit.storage.operations", "{operation}", "Table storage operations on rate-limit counters by operation and outcome.");
        RateLimitStorageTransitions = Meter.CreateCounter<long>("portico.ratelimit.storage.transitions", "{transition}", "Counter storage becoming unreachable (degraded) or reachable again (recovered).");
        RateLimitFallback = Meter.CreateCounter<long>("portico.ratelimit.fallback", "{decision}", "Decisions made without shared counters while storage was unreachable, by policy and failure mode.");
        RateLimitContention = Meter.CreateCounter<long>("portico.ratelimit.contention", "{batch}", "Requests denied because too many instances updated one counter at once.");
        RateLimitLeaseTokens = Meter.CreateCounter<long>("portico.ratelimit.lease.tokens", "{token}", "Tokens leased from (taken) and given back to (returned) shared buckets.");
        IpRefusals = Meter.CreateCounter<long>("portico.ip.refusals", "{request}", "Requests refused because of the client's address, by scope (gateway, route).");
        LoadShed = Meter.CreateCounter<long>("portico.loadshed", "{request}", "Requests shed with 503 by a concurrency limit (scope gateway or route).");
    }

    public Meter Meter { get; }

    public Counter<long> Requests { get; }

    public Counter<long> RequestsRefused { get; }

    public Histogram<double> RequestDuration { get; }

    public Histogram<double> UpstreamDuration { get; }

    public Counter<long> RegistryReloads { get; }

    public Counter<long> AccessLogDropped { get; }

    public Counter<long> RateLimitDecisions { get; }

    public Counter<long> RateLimitStorageOperations { get; }

    public Counter<long> RateLimitStorageTransitions { get; }

    public Counter<long> RateLimitFallback { get; }

    public Counter<long> RateLimitContention { get; }

    public Counter<long> RateLimitLeaseTokens { get; }

    public Counter<long> LoadShed { get; }

    public Counter<long> IpRefusals { get; }

    public void RecordRequest(string? routeId, string method, int status, TimeSpan duration, string? backendId, TimeSpan? upstream, RequestOutcome outcome)
    {
        if (!Requests.Enabled && !RequestDuration.Enabled && !UpstreamDuration.Enabled)
        {
            // Nothing listens (no exporter, no Prometheus endpoint, no dotnet-counters session): the instruments would
            // drop the measurements, so the tags are not even built (issue 25).
            return;
        }

        var tags = new TagList
        {
            { "portico.route", routeId ?? "" },
            { "http.request.method", NormalizeMethod(method) },
            { "http.response.status_code", Box(status) },
        };
        if (outcome != RequestOutcome.Completed)
        {
            // OpenTelemetry's error.type: a 200 whose body broke is not a success.
            tags.Add("error.type", outcome.Name());
        }

        Requests.Add(1, tags);
        RequestDuration.Record(duration.TotalSeconds, tags);
        if (upstream is { } u)
        {
            tags.Add("portico.backend", backendId ?? "");
            UpstreamDuration.Record(u.TotalSeconds, tags);
        }
    }

    public static object Box(int status) => (uint)status < BoxedStatus.Length ? BoxedStatus[status] : status;

    // Unknown methods collapse to "_OTHER" so a client cannot explode the tag cardinality (semantic conventions).
    public static string NormalizeMethod(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => HttpMethods.Get,
        _ when HttpMethods.IsPost(method) => HttpMethods.Post,
        _ when HttpMethods.IsPut(method) => HttpMethods.Put,
        _ when HttpMethods.IsDelete(method) => HttpMethods.Delete,
        _ when HttpMethods.IsPatch(method) => HttpMethods.Patch,
        _ when HttpMethods.IsHead(method) => HttpMethods.Head,
        _ when HttpMethods.IsOptions(method) => HttpMethods.Options,
        _ when HttpMethods.IsTrace(method) => HttpMethods.Trace,
        _ when HttpMethods.IsConnect(method) => HttpMethods.Connect,
        _ => "_OTHER",
    };
}
