using System.Net;
using System.Net.Http.Headers;

namespace Portico.Discovery;

/// <summary>
/// Sends health probes: <c>GET</c> of the configured path on a destination, on a client of its own (never the proxy's
/// pool, so probes neither wait behind nor crowd out traffic), no redirects, cookies, proxy or decompression, and the
/// response body left unread (only the status matters). The prober sends at most one probe per destination at a time,
/// so a destination holds at most one of its connections; destinations that share a host and port do not queue
/// behind each other's slow probe.
/// </summary>
internal sealed class HealthProbeClient(TimeProvider time) : IDisposable
{
    /// <summary>The <c>User-Agent</c> of a probe, so a backend can tell probes from traffic in its logs.</summary>
    public static readonly ProductInfoHeaderValue UserAgent = new("Portico-HealthCheck", "1");

    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxResponseHeadersLength = 16, // KiB: a health answer needs no more
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follows a destination behind DNS that moves
    });

    /// <summary>Probes <paramref name="url"/> (a destination's URL) under <paramref name="settings"/>; never throws for the destination's faults.</summary>
    public async Task<HealthProbeResult> ProbeAsync(string url, ActiveHealthSettings settings, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(settings.Timeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, url.TrimEnd('/') + settings.Path)
        {
            Version = settings.Http2Only ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = settings.Http2Only ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.UserAgent.Add(UserAgent);
        try
        {
            using var response = await _invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return settings.Passes(status) ? new HealthProbeResult(true, status, "passed") : new HealthProbeResult(false, status, "status");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthProbeResult(false, 0, "timeout");
        }
        catch (HttpRequestException)
        {
            return new HealthProbeResult(false, 0, "connection-failed");
        }
    }

    public void Dispose() => _invoker.Dispose();
}
