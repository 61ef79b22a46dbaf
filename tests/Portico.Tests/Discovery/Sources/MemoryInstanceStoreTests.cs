using Portico.Discovery.Sources;

namespace Portico.Tests.Discovery.Sources;

/// <summary>The registered-instance store contract in memory (a gateway without Table storage).</summary>
public sealed class MemoryInstanceStoreTests : InstanceStoreContract
{
    private protected override Task<IInstanceStore> CreateStoreAsync() => Task.FromResult<IInstanceStore>(new MemoryInstanceStore());
}
