using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using Microsoft.Extensions.Logging;

namespace Portico.Functions.TestHost;

/// <summary>
/// The host's gRPC service. A worker opens <c>EventStream</c> and first sends <c>StartStream</c> with the worker id it
/// was started with; the stream then belongs to that worker's channel.
/// </summary>
internal sealed class FunctionRpcService(FunctionRpcService.Workers workers, HostLog log) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }

        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream || !workers.TryGetValue(first.StartStream.WorkerId, out var channel))
        {
            log.Write(LogLevel.Error, "Host", $"Refused a stream that did not start with the StartStream of a started worker ({first.ContentCase}).");
            return;
        }

        log.Write(LogLevel.Debug, "Host", $"Worker {channel.WorkerId} opened its stream");
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }

    /// <summary>The channels of the workers started and not yet gone, by worker id.</summary>
    internal sealed class Workers : ConcurrentDictionary<string, WorkerChannel>
    {
        public Workers()
            : base(StringComparer.Ordinal)
        {
        }
    }
}
