using System.Net.Http;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Proxy;

/// <summary>
/// The one pooled HTTP client every proxied request goes through. YARP's factory sets what a proxy needs (no
/// redirects, no cookies, no automatic decompression, no system proxy, W3C trace context propagation);
/// Portico adds its connect and idle timeouts, and sends header values as UTF-8.
/// </summary>
/// <remarks>
/// RFC 9110 §5.5 allows octets above 0x7F in a field value (obs-text). Kestrel accepts them when they are valid
/// UTF-8 and hands the gateway the decoded text; the handler's default (ASCII only) would refuse to send such a
/// header, failing the call as if the backend were unreachable. Encoding values as UTF-8 sends the client's octets
/// unchanged, and ASCII values encode to the same bytes as before.
/// </remarks>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(IOptions<PorticoOptions> options)
    {
        var factory = new ConfiguredFactory(options.Value.Upstream);
        Invoker = factory.CreateClient(new ForwarderHttpClientContext { NewConfig = new HttpClientConfig { RequestHeaderEncoding = "utf-8" } });
    }

    /// <summary>A client over another handler (the pipeline micro-benchmark measures without a network).</summary>
    internal UpstreamClient(HttpMessageInvoker invoker) => Invoker = invoker;

    /// <summary>The shared invoker handed to YARP's forwarder.</summary>
    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();

    private sealed class ConfiguredFactory(UpstreamOptions options) : ForwarderHttpClientFactory
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ConnectTimeout = options.ConnectTimeout;
            handler.PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout;
            // Recycle connections so a backend behind DNS that moves is followed.
            handler.PooledConnectionLifetime = options.PooledConnectionLifetime;
        }
    }
}
