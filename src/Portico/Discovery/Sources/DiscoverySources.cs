using System.Runtime.CompilerServices;
using System.Net;
using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Discovery.Sources;

/// <summary>
/// Every discovery source of this gateway instance, one per backend and <c>discovery</c> block: created when a registry
/// is compiled (so a reload that keeps the block keeps the source, its last known destinations and its loop), started
/// and stopped by <see cref="DiscoveryMonitor"/> as the live registry uses them. Compiling alone never starts one: a
/// registry that is validated or refused makes no DNS, etcd or storage call.
/// </summary>
internal sealed partial class DiscoverySources : IAsyncDisposable, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DiscoverySource> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<DiscoverySource, (CancellationTokenSource Stop, Task Loop)> _running = [];
    private readonly DiscoverySourceTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lazy<IInstanceStore> _instances;
    private readonly DiscoveryOptions _options;
    // Made with the first DNS source, under _lock: a Lazy<ILookupClient> field would load the DNS library with this
    // class, at every gateway's start, whether or not a backend uses DNS discovery (issue 25, start-up).
    private ILookupClient? _resolver;
    private readonly Lazy<HttpMessageInvoker> _etcdClient;

    public DiscoverySources(IOptions<PorticoOptions> options, DiscoverySourceTelemetry telemetry, TimeProvider time, ILogger<DiscoverySources> logger)
    {
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        var value = options.Value;
        _instances = new(() => CreateInstanceStore(value));
        _options = value.Discovery;
        _etcdClient = new(() => new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        }));
    }

    /// <summary>Where registrations are kept: Table storage when the gateway has it, else this instance's memory.</summary>
    public IInstanceStore Instances => _instances.Value;

    /// <summary>The source for <paramref name="settings"/>: the one already made for the same backend and block, or a new (stopped) one.</summary>
    public DiscoverySource GetOrCreate(DiscoverySettings settings)
    {
        var key = settings.BackendId + "\n" + settings.Key;
        lock (_lock)
        {
            if (!_sources.TryGetValue(key, out var source))
            {
                source = settings.Type switch
                {
                    RegistrationSource.TypeName => new RegistrationSource(settings, _instances.Value, _telemetry, _time),
                    DnsSource.TypeName => new DnsSource(settings, _resolver ??= CreateResolver(_options), _telemetry, _time),
                    _ => new EtcdSource(settings, _etcdClient.Value, _telemetry, _time),
                };
                _sources[key] = source;
            }

            return source;
        }
    }

    /// <summary>Starts the sources in <paramref name="live"/> not running yet, and stops and forgets every other one.</summary>
    /// <returns>The sources started now.</returns>
    public IReadOnlyList<DiscoverySource> Reconcile(IReadOnlySet<DiscoverySource> live)
    {
        var started = new List<DiscoverySource>();
        var stopped = new List<(CancellationTokenSource Stop, Task Loop)>();
        lock (_lock)
        {
            foreach (var source in live.Where(s => !_running.ContainsKey(s)))
            {
                var stop = new CancellationTokenSource();
                _running[source] = (stop, Task.Run(() => RunAsync(source, stop.Token)));
                started.Add(source);
            }

            foreach (var source in _running.Keys.Where(s => !live.Contains(s)).ToList())
            {
                stopped.Add(_running[source]);
                _running.Remove(source);
            }

            foreach (var (key, source) in _sources.Where(pair => !live.Contains(pair.Value)).ToList())
            {
                _sources.Remove(key);
            }
        }

        foreach (var (stop, _) in stopped)
        {
            stop.Cancel(); // not disposed: the loop still unwinding links its own tokens to it
        }

        return started;
    }

    /// <summary>The running registration source of <paramref name="backendId"/>, if the live registry gives it one.</summary>
    public RegistrationSource? RegistrationOf(string backendId)
    {
        lock (_lock)
        {
            return _running.Keys.OfType<RegistrationSource>().FirstOrDefault(s => s.Settings.BackendId == backendId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var running = StopAll();
        await Task.WhenAll(running.Select(r => r.Loop));
        DisposeClient();
    }

    /// <summary>Stops every source without waiting for their loops (a container disposed synchronously).</summary>
    public void Dispose()
    {
        StopAll();
        DisposeClient();
    }

    /// <summary>Cancels every running loop and forgets it; the loops end on their own.</summary>
    private List<(CancellationTokenSource Stop, Task Loop)> StopAll()
    {
        List<(CancellationTokenSource Stop, Task Loop)> running;
        lock (_lock)
        {
            running = [.. _running.Values];
            _running.Clear();
        }

        foreach (var (stop, _) in running)
        {
            stop.Cancel(); // not disposed: a loop still unwinding links its own tokens to it
        }

        return running;
    }

    private void DisposeClient()
    {
        if (_etcdClient.IsValueCreated)
        {
            _etcdClient.Value.Dispose();
        }
    }

    private async Task RunAsync(DiscoverySource source, CancellationToken stoppingToken)
    {
        try
        {
            await source.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception ex)
        {
            // A bug in one source must not take the process down; its backend keeps its last known destinations.
            LogCrashed(_logger, source.Name, source.Settings.BackendId, ex);
        }
    }

    private static IInstanceStore CreateInstanceStore(PorticoOptions options) =>
        options.Storage.IsConfigured ? CreateTableInstanceStore(options.Storage, options.Discovery.InstancesTableName) : new MemoryInstanceStore();

    // A method of its own, never inlined: compiling a method loads the assemblies of the types it names, and the Azure
    // SDK must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IInstanceStore CreateTableInstanceStore(StorageOptions storage, string tableName) =>
        new TableInstanceStore(TableStorage.CreateServiceClient(storage.Target!, storage.ClientId), tableName);

    private static ILookupClient CreateResolver(DiscoveryOptions options)
    {
        var servers = options.DnsServers.Select(DiscoveryOptionsValidator.ParseServer).OfType<IPEndPoint>().Select(e => new NameServer(e)).ToArray();
        var lookup = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        lookup.UseCache = false; // the source's own refresh honours the TTL within its bounds
        lookup.Timeout = TimeSpan.FromSeconds(2);
        lookup.Retries = 2;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = true;
        return new LookupClient(lookup);
    }

    [LoggerMessage(EventId = 2607, Level = LogLevel.Error, Message = "Discovery source {Source} of backend {BackendId} stopped on an unexpected error (a bug); the backend keeps its last known destinations until the registry reloads")]
    private static partial void LogCrashed(ILogger logger, string source, string backendId, Exception exception);
}
