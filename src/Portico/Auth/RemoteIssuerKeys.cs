using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Portico.Auth;

/// <summary>
/// An issuer's keys fetched from its configured discovery document (OpenID Connect Discovery 1.0) or JWKS URL, never
/// from a URL in a token. Long-lived: it outlives snapshots while the issuer's configuration is unchanged, so a
/// reload does not refetch. Refreshes when the keys are older than the refresh interval (in the background, the
/// current keys keep serving) and when a token names an unknown <c>kid</c> (awaited). Every fetch, whatever caused
/// it, is throttled to one per minimum refresh interval, so a flood of made-up kids costs at most one fetch per
/// interval. A failed fetch keeps the last good keys.
/// </summary>
/// <remarks>
/// Hand-written rather than IdentityModel's <c>ConfigurationManager&lt;OpenIdConnectConfiguration&gt;</c> (issue 21),
/// because that class (8.23, the version referenced) lacks what docs/authentication.md promises:
/// <list type="bullet">
/// <item>Its clock is an internal <c>TimeProvider</c> field: its refresh times cannot follow the gateway's
/// <see cref="TimeProvider"/>, so "hourly, and on an unknown kid at most once per 5 minutes" would run on the wall
/// clock, out of reach of the tests' fake clock.</item>
/// <item>In its default, non-blocking mode <c>RequestRefresh</c> only starts a background fetch: measured against a
/// local issuer, the call after it still returned the old keys (the new ones 500 ms later), so the request that
/// brought a rotated key's <c>kid</c> would be refused instead of waiting for the refresh. Its blocking mode is a
/// process-wide switch (<c>Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking</c>).</item>
/// <item>While no configuration was ever loaded it fetches on every call: 100 callers in a row, issuer down, made
/// 200 JWKS requests (its retriever retries once), where this class makes one and then one per 30 s (503 meanwhile).</item>
/// <item><c>AutomaticRefreshInterval</c> cannot be under 5 minutes (<c>refreshInterval</c> may be) and gets up to 5%
/// random jitter; fetches run with <c>CancellationToken.None</c>, so <c>KeyFetchTimeout</c> could not bound them on
/// the shared client; and a plain <c>jwksUrl</c> would need a retriever of its own anyway.</item>
/// </list>
/// IdentityModel still does the protocol work: <see cref="HttpDocumentRetriever"/>, <see cref="OpenIdConnectConfigurationRetriever"/>
/// and <see cref="JsonWebKeySet"/> fetch and parse the documents.
/// </remarks>
internal sealed class RemoteIssuerKeys : IssuerKeys
{
    /// <summary>While no keys were ever loaded, retry at least this often even if the minimum refresh interval is longer.</summary>
    private static readonly TimeSpan ColdRetryInterval = TimeSpan.FromSeconds(30);

    private readonly string _issuer;
    private readonly string _url;
    private readonly bool _isDiscovery;
    private readonly HttpDocumentRetriever _retriever;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeSpan _minRefreshInterval;
    private readonly TimeSpan _fetchTimeout;
    private readonly TimeProvider _time;
    private readonly AuthMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile IssuerKeySet? _keys;
    private long _loadedAtTicks;
    private DateTimeOffset? _lastAttempt;
    private Task? _inflight;

    public RemoteIssuerKeys(
        string issuer, string url, bool isDiscovery, bool requireHttps, TimeSpan refreshInterval, TimeSpan minRefreshInterval,
        TimeSpan fetchTimeout, HttpClient http, TimeProvider time, AuthMetrics metrics, ILogger logger)
    {
        _issuer = issuer;
        _url = url;
        _isDiscovery = isDiscovery;
        _retriever = new HttpDocumentRetriever(http) { RequireHttps = requireHttps, SendAdditionalHeaderData = false };
        _refreshInterval = refreshInterval;
        _minRefreshInterval = minRefreshInterval;
        _fetchTimeout = fetchTimeout;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public override IssuerKeySet? Current => _keys;

    public override async ValueTask<KeyAvailability> EnsureAsync(string? kid, CancellationToken cancellationToken)
    {
        var keys = _keys;
        var now = _time.GetUtcNow();
        if (keys is not null && keys.Has(kid))
        {
            if (now.UtcTicks - Volatile.Read(ref _loadedAtTicks) >= _refreshInterval.Ticks)
            {
                _ = StartRefresh(now); // scheduled refresh: the current keys keep serving meanwhile
            }

            return KeyAvailability.Found;
        }

        if (StartRefresh(now) is { } refresh)
        {
            await refresh.WaitAsync(cancellationToken);
        }

        keys = _keys;
        return keys is null ? KeyAvailability.Unavailable : keys.Has(kid) ? KeyAvailability.Found : KeyAvailability.NotFound;
    }

    /// <summary>Starts a fetch unless one is running (then returns it) or the throttle forbids one (then null).</summary>
    private Task? StartRefresh(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_inflight is { IsCompleted: false })
            {
                return _inflight;
            }

            var interval = _keys is null && _minRefreshInterval > ColdRetryInterval ? ColdRetryInterval : _minRefreshInterval;
            if (_lastAttempt is { } last && now - last < interval)
            {
                return null;
            }

            _lastAttempt = now;
            _inflight = Task.Run(FetchAsync);
            return _inflight;
        }
    }

    private async Task FetchAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_fetchTimeout, _time);
            IEnumerable<JsonWebKey> keys;
            if (_isDiscovery)
            {
                var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(_url, _retriever, timeout.Token);
                // OpenID Connect Discovery §4.3: the document's issuer must be the one configured.
                if (!string.Equals(configuration.Issuer, _issuer, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("the discovery document names another issuer");
                }

                keys = configuration.JsonWebKeySet?.Keys ?? [];
            }
            else
            {
                var json = await _retriever.GetDocumentAsync(_url, timeout.Token);
                keys = new JsonWebKeySet(json).Keys;
            }

            var set = new IssuerKeySet(keys);
            if (set.Count == 0)
            {
                throw new InvalidOperationException("the key set has no RSA or EC signing key");
            }

            lock (_gate)
            {
                _keys = set;
                Volatile.Write(ref _loadedAtTicks, _time.GetUtcNow().UtcTicks);
            }

            _metrics.KeyFetches.Add(1, AuthMetrics.Outcome("ok"));
            AuthLog.KeysLoaded(_logger, _issuer, _url, set.Count);
        }
        catch (Exception ex)
        {
            _metrics.KeyFetches.Add(1, AuthMetrics.Outcome("failed"));
            AuthLog.KeyFetchFailed(_logger, _issuer, _url, Describe(ex));
        }
    }

    private static string Describe(Exception ex) => ex is OperationCanceledException ? "timed out" : ex.GetType().Name + ": " + FirstLine(ex.Message);

    private static string FirstLine(string message)
    {
        var cut = message.IndexOf('\n');
        return cut < 0 ? message : message[..cut];
    }
}
