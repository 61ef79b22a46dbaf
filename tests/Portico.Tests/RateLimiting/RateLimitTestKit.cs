using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Observability;
using Portico.RateLimiting;
using Portico.Registry;
using Portico.Storage.Tables;

namespace Portico.Tests.RateLimiting;

/// <summary>Builds policies and an in-memory limiter on a <see cref="FakeTimeProvider"/> for algorithm tests.</summary>
internal static class RateLimitTestKit
{
    /// <summary>A fixed instant, in UTC, away from any window edge: Wednesday 2025-06-11 10:20:30.</summary>
    public static readonly DateTimeOffset Noon = new(2025, 6, 11, 10, 20, 30, TimeSpan.Zero);

    public static CompiledRateLimitPolicy Policy(string json, bool storageConfigured = false)
    {
        var parsed = RegistrySerializer.ParseItem(json, "policy.json", RegistrySerializer.Types.RateLimitPolicyDefinition);
        Assert.True(parsed.Value is not null, string.Join("; ", parsed.Errors));
        var errors = new CompileErrors();
        var policy = RateLimitCompiler.CompilePolicy(parsed.Value!, 0, storageConfigured, errors);
        Assert.True(errors.Count == 0, string.Join("; ", errors.All));
        return policy!;
    }

    public static RateLimiter Limiter(TimeProvider time, int maxTrackedKeys = 100_000)
    {
        var options = Options.Create(new PorticoOptions { RateLimiting = { MaxTrackedKeys = maxTrackedKeys } });
        var metrics = new PorticoMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        return new RateLimiter(
            UnconfiguredRateCounterStore.Instance,
            new StorageHealth(options, time, metrics, NullLogger<StorageHealth>.Instance),
            new InstanceCount(),
            options,
            time,
            metrics,
            NullLogger<RateLimiter>.Instance);
    }

    /// <summary>Decides one request; local decisions never wait.</summary>
    public static RateLimitDecision Take(this RateLimiter limiter, CompiledRateLimitPolicy policy, string key = "k")
    {
        var pending = limiter.AcquireAsync(policy, key);
        Assert.True(pending.IsCompletedSuccessfully, "a local decision must complete synchronously");
        return pending.Result;
    }

    /// <summary>How many of <paramref name="count"/> requests at the same instant are allowed.</summary>
    public static int TakeMany(this RateLimiter limiter, CompiledRateLimitPolicy policy, int count, string key = "k")
    {
        var allowed = 0;
        for (int i = 0; i < count; i++)
        {
            if (limiter.Take(policy, key).IsAllowed)
            {
                allowed++;
            }
        }

        return allowed;
    }
}
