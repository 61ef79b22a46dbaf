using Microsoft.Extensions.DependencyInjection;
using Portico.Configuration;
using Portico.Discovery.Sources;
using Portico.Hosting;

namespace Portico.Tests.Discovery.Sources;

/// <summary>The engine's discovery services on a chosen clock and settings, to drive one source directly.</summary>
internal sealed class SourceTestKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public SourceTestKit(TimeProvider time, Action<PorticoOptions>? configure = null)
    {
        _services = new ServiceCollection().AddLogging().AddPortico(configure).AddSingleton<TimeProvider>(time).BuildServiceProvider();
        Metrics = new Infrastructure.MetricRecorder(_services);
    }

    public Infrastructure.MetricRecorder Metrics { get; }

    public DiscoverySources Sources => _services.GetRequiredService<DiscoverySources>();

    /// <summary>The source a backend <paramref name="backendId"/> with <paramref name="definition"/> gets; fails the test on a validation error.</summary>
    public DiscoverySource Source(DiscoveryDefinition definition, string backendId = "b")
    {
        var settings = DiscoverySourceCompiler.Compile(backendId, definition, (field, message) => Assert.Fail($"{field}: {message}"));
        return Sources.GetOrCreate(settings!);
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await _services.DisposeAsync();
    }
}
