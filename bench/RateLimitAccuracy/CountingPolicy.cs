using Azure.Core;
using Azure.Core.Pipeline;

namespace Portico.Bench.RateLimit;

/// <summary>
/// Counts every HTTP request the counter store sends to Table storage (each try of each operation), and apart from
/// them the instances' heartbeats and the janitor's election: those cost per instance, whatever the traffic.
/// </summary>
internal sealed class CountingPolicy : HttpPipelineSynchronousPolicy
{
    private long _requests;
    private long _background;

    /// <summary>Every request sent.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests of the heartbeats (<c>_instances</c>) and the janitor (<c>_janitor</c>), included in <see cref="Requests"/>.</summary>
    public long Background => Interlocked.Read(ref _background);

    public override void OnSendingRequest(HttpMessage message)
    {
        Interlocked.Increment(ref _requests);
        var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
        if (uri.Contains("'_instances'", StringComparison.Ordinal) || uri.Contains("'_janitor'", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _background);
        }
    }
}
