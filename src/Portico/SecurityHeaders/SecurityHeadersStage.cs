using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Registry;

namespace Portico.SecurityHeaders;

/// <summary>
/// Sets security response headers as the response starts, after whoever wrote it (backend, cache, static answer,
/// problem): <c>Strict-Transport-Security</c> on every HTTPS response when configured (the scheme as resolved through
/// trusted proxies, so behind a TLS-terminating front end too), and on routed responses the route's merged
/// <see cref="SecurityHeaderSet"/>, replacing the backend's values. Requests that need none of this cost one check.
/// </summary>
internal sealed class SecurityHeadersStage : IGatewayStage
{
    private readonly Func<object, Task> _applyToResponse;
    private readonly string? _hsts;
    private SnapshotFlag? _routesWithHeaders;

    public SecurityHeadersStage(IOptions<PorticoOptions> options)
    {
        var hsts = options.Value.SecurityHeaders.StrictTransportSecurity;
        _hsts = string.IsNullOrEmpty(hsts) ? null : hsts;
        _applyToResponse = state =>
        {
            Apply((GatewayContext)state);
            return Task.CompletedTask;
        };
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        if ((_hsts is not null && IsHttps(context)) || AnyRouteSetsHeaders(context.Snapshot))
        {
            context.HttpContext.Response.OnStarting(_applyToResponse, context);
        }

        return next(context);
    }

    private static bool IsHttps(GatewayContext context) => string.Equals(context.Client.Proto, "https", StringComparison.OrdinalIgnoreCase);

    private void Apply(GatewayContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        var set = context.Route?.SecurityHeaders;
        foreach (var (name, value) in set?.Headers ?? [])
        {
            headers[name] = value;
        }

        var hsts = context.Route is null ? _hsts : set?.StrictTransportSecurity;
        if (hsts is not null && IsHttps(context))
        {
            headers.StrictTransportSecurity = hsts; // RFC 6797 §7.2: never over plain HTTP
        }
    }

    /// <summary>Whether any route of <paramref name="snapshot"/> sets headers; computed once per snapshot.</summary>
    private bool AnyRouteSetsHeaders(GatewaySnapshot snapshot)
    {
        var flag = Volatile.Read(ref _routesWithHeaders);
        if (!ReferenceEquals(flag?.Snapshot, snapshot))
        {
            flag = new SnapshotFlag(snapshot, snapshot.IsLoaded && snapshot.Routes.Routes.Any(r => r.SecurityHeaders is not null));
            Volatile.Write(ref _routesWithHeaders, flag);
        }

        return flag.Value;
    }

    private sealed record SnapshotFlag(GatewaySnapshot Snapshot, bool Value);
}
