using Microsoft.Extensions.Logging;
using Portico.Auth;
using Portico.Resilience.Timeouts;

namespace Portico.Transcoding;

/// <summary>
/// The services every transcoding route shares: the clock, the logger, the identity each call carries and the Blob
/// container descriptor sets are read from.
/// </summary>
internal sealed class TranscodingRuntime(TimeProvider timeProvider, ILogger<TranscodingDispatcher> logger, IdentityForwarding identity, DescriptorSetBlobs descriptorSets)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    public IdentityForwarding Identity { get; } = identity;

    public DescriptorSetBlobs DescriptorSets { get; } = descriptorSets;

    /// <summary>The calls' deadlines, pooled on the system clock (<see cref="TimeoutSources"/>).</summary>
    public TimeoutSources Deadlines { get; } = new(timeProvider);
}
