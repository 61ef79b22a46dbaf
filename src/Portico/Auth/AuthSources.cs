using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.Auth;

/// <summary>
/// The long-lived parts of authentication, kept outside snapshots and keyed by their configuration: issuers' key
/// sources and introspection clients (with their caches). A reload that leaves an issuer unchanged reuses its keys
/// without a fetch; a changed issuer configuration gets a fresh source. Also owns the HTTP client these use.
/// </summary>
internal sealed class AuthSources : IDisposable
{
    private readonly ConcurrentDictionary<string, RemoteIssuerKeys> _issuerKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IntrospectionClient> _introspection = new(StringComparer.Ordinal);
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly AuthMetrics _metrics;
    private readonly ILoggerFactory _loggers;

    public AuthSources(IOptions<PorticoOptions> options, TimeProvider time, AuthMetrics metrics, ILoggerFactory loggers)
    {
        _options = options.Value.Auth;
        _time = time;
        _metrics = metrics;
        _loggers = loggers;
        Http = new HttpClient(new SocketsHttpHandler
        {
            // Never follow a redirect: the configured URL is the only one trusted.
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each call carries its own deadline
            MaxResponseContentBufferSize = 1024 * 1024,
        };
    }

    public HttpClient Http { get; }

    public RemoteIssuerKeys IssuerKeys(string issuer, string url, bool isDiscovery, bool requireHttps, TimeSpan refresh, TimeSpan minRefresh) =>
        _issuerKeys.GetOrAdd(
            string.Join('\u001f', issuer, url, isDiscovery, requireHttps, refresh.Ticks, minRefresh.Ticks),
            _ => new RemoteIssuerKeys(issuer, url, isDiscovery, requireHttps, refresh, minRefresh, _options.KeyFetchTimeout, Http, _time, _metrics, _loggers.CreateLogger<RemoteIssuerKeys>()));

    public IntrospectionClient Introspection(Uri endpoint, string clientId, string secret, TimeSpan cache, TimeSpan inactiveCache, TimeSpan timeout)
    {
        // The secret is part of the identity of the client (a rotated secret gets a new one) but only as a hash.
        var secretHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        return _introspection.GetOrAdd(
            string.Join('\u001f', endpoint, clientId, secretHash, cache.Ticks, inactiveCache.Ticks, timeout.Ticks),
            _ => new IntrospectionClient(endpoint, clientId, secret, cache, inactiveCache, timeout, Http, _time, _metrics, _loggers.CreateLogger<IntrospectionClient>()));
    }

    public void Dispose() => Http.Dispose();
}
