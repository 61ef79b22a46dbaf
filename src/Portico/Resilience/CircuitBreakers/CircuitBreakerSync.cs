using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage;

namespace Portico.Resilience.CircuitBreakers;

/// <summary>
/// Shares circuit state between instances: reads the store once before the gateway serves (a new instance starts
/// from what the others recorded), then every <c>CircuitBreakerSyncInterval</c>; writes each transition as soon as a
/// circuit publishes it. Never on the request path: a slow or failed store only delays sharing, and is logged and
/// counted while circuits keep working locally.
/// </summary>
internal sealed class CircuitBreakerSync(
    CircuitBreakerBoard board,
    BackendResilienceRegistry registry,
    ResilienceTelemetry telemetry,
    IOptions<PorticoOptions> options,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan StartupReadTimeout = TimeSpan.FromSeconds(3);

    private string? _lastReadFailure;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (board.Store is { } store)
        {
            ResilienceTelemetry.LogSharing(telemetry.Logger, store.Description, board.InstanceId, options.Value.Resilience.CircuitBreakerSyncInterval);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartupReadTimeout);
            await ReadAsync(store, timeout.Token);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (board.Store is not { } store)
        {
            return Task.CompletedTask;
        }

        return Task.WhenAll(ReadLoopAsync(store, stoppingToken), WriteLoopAsync(store, stoppingToken));
    }

    private async Task ReadLoopAsync(ICircuitBreakerStore store, CancellationToken stoppingToken)
    {
        var interval = options.Value.Resilience.CircuitBreakerSyncInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(interval, time, stoppingToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(options.Value.Registry.StoreTimeout);
                await ReadAsync(store, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteLoopAsync(ICircuitBreakerStore store, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var record in board.Outgoing.ReadAllAsync(stoppingToken))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(options.Value.Registry.StoreTimeout);
                try
                {
                    await store.WriteAsync(record, timeout.Token);
                    telemetry.StoreOperation("write", succeeded: true);
                }
                catch (Exception ex) when (StoreFailure.Is(ex, stoppingToken))
                {
                    // Dropped, not retried: the next transition writes the newer truth.
                    telemetry.StoreOperation("write", succeeded: false);
                    ResilienceTelemetry.LogStoreFailed(telemetry.Logger, store.Description, "written", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAsync(ICircuitBreakerStore store, CancellationToken cancellationToken)
    {
        try
        {
            var records = await store.ReadAllAsync(cancellationToken);
            registry.Apply(records);
            telemetry.StoreOperation("read", succeeded: true);
            _lastReadFailure = null;
        }
        catch (Exception ex) when (StoreFailure.Is(ex, CancellationToken.None))
        {
            telemetry.StoreOperation("read", succeeded: false);
            if (_lastReadFailure != ex.Message)
            {
                // Logged once per distinct failure, not every interval of an outage.
                ResilienceTelemetry.LogStoreFailed(telemetry.Logger, store.Description, "read", ex.Message);
            }

            _lastReadFailure = ex.Message;
        }
    }
}
