using Portico.Discovery.Sources;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>The registered-instance store contract on Table storage (Azurite).</summary>
public sealed class TableInstanceStoreTests : InstanceStoreContract
{
    private protected override async Task<IInstanceStore> CreateStoreAsync() =>
        new TableInstanceStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName("in"));
}
