using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portico.Hosting;
using Portico.Observability;
using Portico.RateLimiting;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>
/// One gateway instance's rate limiter without the gateway around it: counters in a real Azurite table (or storage
/// that refuses connections), a <see cref="FakeTimeProvider"/>, and the limiter's metrics recorded. Several rigs
/// on one table are several instances sharing a counter.
/// </summary>
internal sealed class CounterRig : IDisposable
{
    private readonly ServiceProvider _services;

    private CounterRig(TableClient table, FakeTimeProvider time, int instances)
    {
        Table = table;
        Time = time;
        _services = new ServiceCollection().AddMetrics().AddSingleton<PorticoMetrics>().BuildServiceProvider();
        var metrics = _services.GetRequiredService<PorticoMetrics>();
        Metrics = new MetricRecorder(_services);
        var options = Options.Create(new PorticoOptions());
        Instances.Update(instances);
        Limiter = new RateLimiter(
            new TableRateCounterStore(table, options.Value.RateLimiting.StorageTimeout, time, metrics),
            new StorageHealth(options, time, metrics, NullLogger<StorageHealth>.Instance),
            Instances,
            options,
            time,
            metrics,
            NullLogger<RateLimiter>.Instance);
    }

    public TableClient Table { get; }

    public FakeTimeProvider Time { get; }

    public InstanceCount Instances { get; } = new();

    public RateLimiter Limiter { get; }

    public MetricRecorder Metrics { get; }

    /// <summary>Counter-storage operations made so far (reads, inserts, updates), optionally of one kind.</summary>
    public double StorageOperations(string? operation = null) => operation is null
        ? Metrics.Sum("portico.ratelimit.storage.operations")
        : Metrics.Sum("portico.ratelimit.storage.operations", ("operation", operation));

    /// <summary>A rig on a fresh table of the shared Azurite.</summary>
    public static async Task<CounterRig> StartAsync(FakeTimeProvider? time = null, int instances = 1) =>
        await OnAsync(Azurite.NewTableName("rc"), time ?? new FakeTimeProvider(RateLimitTestKit.Noon), instances);

    /// <summary>Another instance on <paramref name="other"/>'s table and clock.</summary>
    public static Task<CounterRig> BesideAsync(CounterRig other, int instances = 1) => OnAsync(other.Table.Name, other.Time, instances);

    /// <summary>A rig whose storage refuses every connection (a closed loopback port).</summary>
    public static CounterRig Unreachable(FakeTimeProvider? time = null)
    {
        var endpoint = $"http://127.0.0.1:{Azurite.FreePort()}/{Azurite.AccountName}";
        var service = TableStorage.CreateServiceClient(Azurite.ConnectionStringFor(endpoint), configure: o => o.Retry.MaxRetries = 0);
        return new CounterRig(service.GetTableClient("unreachable"), time ?? new FakeTimeProvider(RateLimitTestKit.Noon), 1);
    }

    /// <summary>Runs <paramref name="work"/> while moving the fake clock on a millisecond at a time, so retry jitter (a delay on that clock) passes.</summary>
    public async Task<T> AdvancingAsync<T>(Task<T> work)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (!work.IsCompleted && TimeProvider.System.GetUtcNow() < deadline)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.WhenAny(work, Task.Delay(5));
        }

        return await work;
    }

    /// <summary>The decision of <paramref name="pending"/>, which must have been made from memory (synchronously, with no storage call).</summary>
    public static RateLimitDecision DecidedFromMemory(ValueTask<RateLimitDecision> pending)
    {
        Assert.True(pending.IsCompletedSuccessfully, "the decision waited for storage");
        return pending.Result;
    }

    /// <summary>The stored entity of <paramref name="policyId"/> and <paramref name="key"/>, or null.</summary>
    public async Task<TableEntity?> EntityAsync(string policyId, string key)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(RateLimiter.PartitionKeyOf(policyId, key), policyId);
        return entity.HasValue ? entity.Value : null;
    }

    public void Dispose()
    {
        Metrics.Dispose();
        _services.Dispose();
    }

    private static async Task<CounterRig> OnAsync(string tableName, FakeTimeProvider time, int instances)
    {
        var service = TableStorage.CreateServiceClient(await Azurite.ConnectionStringAsync(), configure: o => o.Retry.MaxRetries = 0);
        return new CounterRig(service.GetTableClient(tableName), time, instances);
    }
}
