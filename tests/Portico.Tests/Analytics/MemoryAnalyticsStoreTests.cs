using Portico.Analytics;

namespace Portico.Tests.Analytics;

/// <summary>The analytics store contract in memory (a gateway without Table storage).</summary>
public sealed class MemoryAnalyticsStoreTests : AnalyticsStoreContract
{
    private protected override Task<IAnalyticsStore> CreateStoreAsync() => Task.FromResult<IAnalyticsStore>(new MemoryAnalyticsStore());
}
