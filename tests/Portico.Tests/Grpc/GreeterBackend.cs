using System.Collections.Concurrent;
using Grpc.Core;
using Portico.Tests.Infrastructure;
using Portico.Tests.Grpc.Proto;

namespace Portico.Tests.Grpc;

/// <summary>
/// A real Grpc.AspNetCore service on 127.0.0.1 over cleartext HTTP/2 (h2c): unary and server-streaming calls, an
/// error with binary details, and a call that waits until its deadline or cancellation. Records each call's metadata.
/// </summary>
internal sealed class GreeterBackend : GrpcTestServer<GreeterBackend.State>
{
    /// <summary>The binary details every failing call carries in <c>grpc-status-details-bin</c> (a google.rpc.Status would go here).</summary>
    public static readonly byte[] ErrorDetails = [0x08, 0x03, 0x12, 0x08, (byte)'b', (byte)'a', (byte)'d', (byte)' ', (byte)'n', (byte)'a', (byte)'m', (byte)'e'];

    private GreeterBackend()
        : base(new State())
    {
    }

    public static Task<GreeterBackend> StartAsync() => StartAsync<GreeterBackend, GreeterService>(new GreeterBackend());

    /// <summary>What the service saw, and the signal a streaming call waits for after its first message.</summary>
    internal sealed class State
    {
        public ConcurrentQueue<Metadata> Headers { get; } = new();

        /// <summary>Each call's deadline as the service saw it (<see cref="DateTime.MaxValue"/> for none).</summary>
        public ConcurrentQueue<DateTime> Deadlines { get; } = new();

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource StreamFinished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class GreeterService(State state) : Greeter.GreeterBase
    {
        public override async Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
        {
            state.Deadlines.Enqueue(context.Deadline);
            state.Headers.Enqueue(context.RequestHeaders);
            switch (request.Mode)
            {
                case "fail":
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "bad name"), new Metadata { { "grpc-status-details-bin", ErrorDetails } });
                case "wait":
                    try
                    {
                        await Task.Delay(Timeout.Infinite, context.CancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        state.Cancelled.TrySetResult(true);
                        throw;
                    }

                    break;
            }

            await context.WriteResponseHeadersAsync(new Metadata { { "x-backend", "greeter" } });
            context.ResponseTrailers.Add("x-trailer", "kept");
            return new HelloReply { Message = "Hello " + request.Name };
        }

        public override async Task StreamHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
        {
            state.Headers.Enqueue(context.RequestHeaders);
            for (int i = 0; i < request.Count; i++)
            {
                await responseStream.WriteAsync(new HelloReply { Message = "Hello " + request.Name, Index = i });
                if (i == 0)
                {
                    await state.Release.Task.WaitAsync(context.CancellationToken);
                }
            }

            state.StreamFinished.TrySetResult();
        }
    }
}
