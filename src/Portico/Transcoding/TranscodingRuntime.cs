using Microsoft.Extensions.Logging;
using Portico.Auth;

namespace Portico.Transcoding;

/// <summary>The services every transcoding route shares: the clock, the logger and the identity each call carries.</summary>
internal sealed class TranscodingRuntime(TimeProvider timeProvider, ILogger<TranscodingDispatcher> logger, IdentityForwarding identity)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    public IdentityForwarding Identity { get; } = identity;
}
