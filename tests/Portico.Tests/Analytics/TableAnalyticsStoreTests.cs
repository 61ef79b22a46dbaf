using Portico.Analytics;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Analytics;

/// <summary>The analytics store contract on Table storage (Azurite).</summary>
public sealed class TableAnalyticsStoreTests : AnalyticsStoreContract
{
    private protected override async Task<IAnalyticsStore> CreateStoreAsync() =>
        new TableAnalyticsStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName("an"));
}
