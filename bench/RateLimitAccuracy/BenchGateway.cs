using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;
using Portico.RateLimiting;
using Portico.Storage.Tables;

namespace Portico.Bench.RateLimit;

/// <summary>
/// One gateway instance with its own memory: the engine behind Kestrel on 127.0.0.1, the registry from a file,
/// counters in the shared Azurite, and every counter-storage request counted by <see cref="CountingPolicy"/>.
/// </summary>
internal sealed class BenchGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchGateway(WebApplication app, string url)
    {
        _app = app;
        Url = url;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string Url { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts an instance; <paramref name="services"/> adds to or overrides its services (a clock, options).</summary>
    public static async Task<BenchGateway> StartAsync(string registryFile, string connectionString, string counterTable, CountingPolicy counter, Action<IServiceCollection>? services = null)
    {
        var app = await LoopbackGateway.StartAsync(
            options =>
            {
                options.Registry.File = registryFile;
                options.Storage.ConnectionString = connectionString;
                options.RateLimiting.TableName = counterTable;
            },
            builder =>
            {
                builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
                builder.Services.AddSingleton<IRateCounterStore>(services =>
                {
                    var options = services.GetRequiredService<IOptions<PorticoOptions>>().Value.RateLimiting;
                    var client = TableStorage.CreateServiceClient(connectionString, null, options.StorageTimeout, o =>
                    {
                        o.Retry.MaxRetries = 0;
                        o.AddPolicy(counter, HttpPipelinePosition.PerRetry);
                    });
                    return new TableRateCounterStore(client.GetTableClient(options.TableName), options.StorageTimeout, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<PorticoMetrics>());
                });
                services?.Invoke(builder.Services);
            });
        return new BenchGateway(app, app.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
