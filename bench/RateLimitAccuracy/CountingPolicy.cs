using Azure.Core;
using Azure.Core.Pipeline;

namespace Portico.Bench.RateLimit;

/// <summary>Counts every HTTP request the counter store sends to Table storage (each try of each operation).</summary>
internal sealed class CountingPolicy : HttpPipelineSynchronousPolicy
{
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _requests);
}
