using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Portico.Concurrency;
using Portico.Observability;
using Portico.Registry;
using Portico.Routing;
using Portico.Security;

namespace Portico.Pipeline;

/// <summary>
/// The typed per-request state every stage reads and writes, stored once in <see cref="HttpContext.Features"/>.
/// It pins the snapshot the request started with, so a reload never changes a request half-way.
/// </summary>
public sealed class GatewayContext
{
    private ClientAddress? _client;
    private RequestTraceId _traceId;
    private StrongBox<ConcurrencyGate>? _held0, _held1;
    private GatewayContextRareState? _rare;
    private RouteValueDictionary? _routeValues;
    private Proxy.ProxyDispatcher? _dispatchEnd;
    private Task<Yarp.ReverseProxy.Forwarder.ForwarderError>? _dispatchSent;
    // The upstream time in ticks (-1 while unknown; a TimeSpan? would take 16 bytes); while the proxy dispatcher's
    // closing work is pending (_dispatchEnd set), the timestamp the forwarding started at.
    private long _upstream = -1;

    internal GatewayContext(HttpContext httpContext, GatewaySnapshot snapshot, ForwardedHeadersPolicy forwardedHeaders)
    {
        HttpContext = httpContext;
        Snapshot = snapshot;
        ForwardedHeaders = forwardedHeaders;
        StartTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>The ASP.NET Core request.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The id of the matched route, or null before matching or when none matched.</summary>
    public string? RouteId => Route?.Id;

    /// <summary>The id of the backend the request was sent to, if any.</summary>
    public string? BackendId { get; internal set; }

    /// <summary>The verified caller; <see cref="GatewayIdentity.Anonymous"/> until authentication runs.</summary>
    public GatewayIdentity Identity { get; internal set; } = GatewayIdentity.Anonymous;

    /// <summary>Time spent waiting on the upstream, when the request was forwarded.</summary>
    public TimeSpan? UpstreamDuration
    {
        get => _dispatchEnd is null && _upstream >= 0 ? TimeSpan.FromTicks(_upstream) : null;
        internal set => _upstream = value is { } duration ? Math.Max(duration.Ticks, 0) : -1;
    }

    /// <summary>How the exchange ended, which a status sent before the body broke cannot say.</summary>
    public Observability.RequestOutcome Outcome { get; internal set; }
    /// <summary>How the response cache answered (hit, miss, stale, …; docs/caching.md), or null on routes that do not cache.</summary>
    public string? CacheOutcome
    {
        get => _rare?.CacheOutcome;
        internal set => SetRare(value, static (rare, v) => rare.CacheOutcome = v);
    }

    /// <summary>The problem the gateway answered with, if it answered with one (traffic analytics classify refusals by it).</summary>
    internal Problems.Problem? Problem
    {
        get => _rare?.Problem;
        set => SetRare(value, static (rare, v) => rare.Problem = v);
    }

    /// <summary>Whether one of Portico's own endpoints (health, admin) answered: not traffic, so analytics skip it.</summary>
    internal bool IsPorticoEndpoint
    {
        get => _rare?.IsPorticoEndpoint ?? false;
        set => SetRare(value, static (rare, v) => rare.IsPorticoEndpoint = v);
    }

    internal GatewaySnapshot Snapshot { get; }

    internal ForwardedHeadersPolicy ForwardedHeaders { get; }

    internal long StartTimestamp { get; }

    internal CompiledRoute? Route { get; set; }

    /// <summary>
    /// The values of the matched route's parameters. <see cref="Routing.RouteMatchStage"/> matches in a scratch
    /// dictionary and keeps only the route; the values are made when first read, by matching the request's path
    /// against <see cref="Route"/> again (the same path and route give the same values). Most routes never read them:
    /// a dictionary, its array and the captured strings less per request (issue 25, allocation per request).
    /// </summary>
    internal RouteValueDictionary RouteValues => _routeValues ??= MatchedRouteValues();

    private RouteValueDictionary MatchedRouteValues()
    {
        var values = new RouteValueDictionary();
        if (Route is { } route && !route.MatchesPath(HttpContext, HttpContext.Request.Path, values))
        {
            values.Clear(); // a route set by hand on a request it does not match: no values, as before
        }

        return values;
    }

    /// <summary>
    /// For a Portico endpoint that owns a sub-tree (<c>/admin/backends</c>), the request path below it (<c>/b-1</c>);
    /// empty otherwise.
    /// </summary>
    internal string EndpointSubpath
    {
        get => _rare?.EndpointSubpath ?? "";
        set => SetRare(value, static (rare, v) => rare.EndpointSubpath = v);
    }

    /// <summary>
    /// Every <c>Connection</c> line of the request as the client sent it, where the host could keep them
    /// (<see cref="ConnectionHeaderCapture"/>); empty when the request has none.
    /// </summary>
    internal StringValues ConnectionHeader
    {
        get => _rare?.ConnectionHeader ?? default;
        set => SetRare(value, static (rare, v) => rare.ConnectionHeader = v);
    }

    /// <summary>The request's path and query as the client sent them; set when the route is matched.</summary>
    internal RequestTarget Target { get; set; }

    /// <summary>For a backend with several destinations: the request's affinity key and the destinations its attempts tried.</summary>
    internal Discovery.DestinationPicks? DestinationPicks
    {
        get => _rare?.DestinationPicks;
        set => SetRare(value, static (rare, v) => rare.DestinationPicks = v);
    }

    /// <summary>The raw path sent upstream, set by the dispatcher from the route's rewrite plan.</summary>
    internal ReadOnlyMemory<char> UpstreamPath { get; set; }

    /// <summary>The request's W3C trace id, resolved on first use (problem answers and the access log read it).</summary>
    internal RequestTraceId TraceId => _traceId.IsEmpty ? _traceId = RequestTraceId.Resolve(HttpContext.Request) : _traceId;

    /// <summary>The client's address and forwarding chain, resolved on first use (trusted proxies honoured).</summary>
    internal ClientAddress Client => _client ??= ForwardedHeaders.Resolve(HttpContext);

    // The fields most requests never set live in a part created on first use: a default value read or written
    // creates nothing (issue 25, allocation per request).
    private void SetRare<T>(T value, Action<GatewayContextRareState, T> set)
    {
        if (_rare is null && EqualityComparer<T>.Default.Equals(value, default!))
        {
            return;
        }

        set(_rare ??= new(), value);
    }

    /// <summary>
    /// Keeps a slot taken in <paramref name="gate"/> until the request has left the pipeline, when
    /// <see cref="ReleaseHeld"/> gives it back. A stage that only needs to give a slot back after the rest of the
    /// pipeline (load shedding, requests in flight per address) hands it here instead of awaiting the rest itself:
    /// no asynchronous state machine per stage and request (issue 25, allocation per request).
    /// </summary>
    internal void HoldUntilEnd(StrongBox<ConcurrencyGate> gate)
    {
        if (_held0 is null) { _held0 = gate; }
        else if (_held1 is null) { _held1 = gate; }
        else { ((_rare ??= new()).HeldMore ??= []).Add(gate); }
    }

    /// <summary>
    /// Gives back every slot held by <see cref="HoldUntilEnd"/>, once. The outermost stage
    /// (<see cref="ObservabilityStage"/>) calls it when the request leaves the pipeline, however it leaves.
    /// </summary>
    internal void ReleaseHeld()
    {
        Release(ref _held0);
        Release(ref _held1);
        if (_rare?.HeldMore is { } more)
        {
            _rare.HeldMore = null;
            foreach (var gate in more)
            {
                gate.Value.Exit(); // in place: the gate is a struct in its box
            }
        }

        static void Release(ref StrongBox<ConcurrencyGate>? held)
        {
            if (held is { } gate)
            {
                held = null;
                gate.Value.Exit();
            }
        }
    }

    /// <summary>
    /// Leaves the proxy dispatcher's closing work (the upstream time, the answer to a forwarding error) to be run by
    /// <see cref="EndDispatchAsync"/> once <paramref name="sent"/> has completed, so the dispatcher returns the
    /// forwarder's task instead of awaiting it in an asynchronous method of its own (issue 25: a state machine of
    /// about 116 bytes per request).
    /// </summary>
    internal void DeferDispatchEnd(Proxy.ProxyDispatcher dispatcher, Task<Yarp.ReverseProxy.Forwarder.ForwarderError> sent, long started)
    {
        _dispatchEnd = dispatcher;
        _dispatchSent = sent;
        _upstream = started;
    }

    /// <summary>
    /// Runs the proxy dispatcher's closing work left by <see cref="DeferDispatchEnd"/>, once; completed at once when
    /// there is none. Every stage that awaits the rest of the pipeline and then does anything calls it right after
    /// that await completes without an exception (a faulted forwarding has no closing work, as before): from then on
    /// the upstream time is set and a forwarding error has been answered, exactly as when the dispatcher awaited
    /// the forwarder itself.
    /// </summary>
    internal Task EndDispatchAsync()
    {
        if (_dispatchEnd is not { } dispatcher)
        {
            return Task.CompletedTask;
        }

        var sent = _dispatchSent!;
        var started = _upstream;
        _dispatchEnd = null;
        _dispatchSent = null;
        _upstream = -1;
        return sent.IsCompletedSuccessfully ? dispatcher.EndAsync(this, sent.Result, started) : Task.CompletedTask;
    }
}
