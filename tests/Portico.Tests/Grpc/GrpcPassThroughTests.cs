using Grpc.Core;
using Grpc.Net.Client;
using Portico.Tests.Grpc.Proto;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Grpc;

/// <summary>
/// gRPC pass-through in <c>portico serve</c>: a real gRPC client over HTTP/2 through the gateway to a real
/// Grpc.AspNetCore service over h2c. Calls are authenticated and rate limited like any request; messages, headers,
/// trailers, status and error details arrive as the service sent them.
/// </summary>
public sealed class GrpcPassThroughTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly (string Key, string Id) Credential = Portico.Auth.ApiKeyFormat.Generate();

    private static string Registry(string backendUrl) => $$"""
    {
      "apiKeys": [ {{ApiKey(Credential.Id, "alice", Credential.Key)}} ],
      "consumers": [ { "id": "alice", "plan": "small" } ],
      "rateLimitPolicies": [ { "id": "five", "rate": { "requests": 5, "per": "1h" } } ],
      "plans": [ { "id": "small", "policies": ["five"] } ],
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "backends": [ { "id": "greeter", "url": "{{backendUrl}}", "protocol": "grpc" } ],
      "routes": [
        { "id": "greeter", "auth": "keys", "match": { "path": "/portico.test.v1.Greeter/{method}", "methods": ["POST"] }, "backend": "greeter" }
      ]
    }
    """;

    /// <summary>The service, a gateway in front of it whose endpoint speaks cleartext HTTP/2 (as gRPC clients without TLS need), and a client of the gateway.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly GrpcChannel _channel;

        private Setup(GreeterBackend backend, GatewayHost gateway)
        {
            Backend = backend;
            Gateway = gateway;
            _channel = GrpcChannel.ForAddress(gateway.Url);
            Client = new Greeter.GreeterClient(_channel);
        }

        public GreeterBackend Backend { get; }

        public GatewayHost Gateway { get; }

        public Greeter.GreeterClient Client { get; }

        public static async Task<Setup> StartAsync()
        {
            var backend = await GreeterBackend.StartAsync();
            var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url), new Dictionary<string, string?> { ["Portico:Serve:Protocols"] = "Http2" });
            return new Setup(backend, gateway);
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    private static Metadata Key => new() { { "x-api-key", Credential.Key } };

    [Fact]
    public async Task Unary_ThroughGateway_ReplyHeadersAndTrailersPreserved()
    {
        await using var setup = await Setup.StartAsync();
        var (backend, client) = (setup.Backend, setup.Client);

        using var call = client.SayHelloAsync(new HelloRequest { Name = "Ada" }, Key);
        var reply = await call.ResponseAsync.WaitAsync(Bound);

        Assert.Equal("Hello Ada", reply.Message);
        Assert.Equal("greeter", (await call.ResponseHeadersAsync).GetValue("x-backend"));
        Assert.Equal("kept", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        var seen = Assert.Single(backend.Calls.Headers);
        Assert.Null(seen.Get("x-api-key")); // the key stays at the gateway
    }

    [Fact]
    public async Task ServerStreaming_FirstMessageArrivesBeforeServiceFinishes()
    {
        // The service writes its first reply and waits for a signal the test gives only after the client has read it.
        await using var setup = await Setup.StartAsync();
        var (backend, client) = (setup.Backend, setup.Client);

        using var call = client.StreamHellos(new HelloRequest { Name = "Ada", Count = 3 }, Key);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(0, call.ResponseStream.Current.Index);
        Assert.False(backend.Calls.StreamFinished.Task.IsCompleted);
        backend.Calls.Release.SetResult();
        var rest = new List<int>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound))
        {
            rest.Add(call.ResponseStream.Current.Index);
        }

        Assert.Equal([1, 2], rest);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_ServiceFailsWithDetails_StatusMessageAndDetailsReachClient()
    {
        await using var setup = await Setup.StartAsync();
        var (backend, client) = (setup.Backend, setup.Client);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest { Name = "x", Mode = "fail" }, Key).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("bad name", error.Status.Detail);
        Assert.Equal(GreeterBackend.ErrorDetails, error.Trailers.GetValueBytes("grpc-status-details-bin"));
    }

    [Fact]
    public async Task Unary_DeadlineAndCancellation_ReachTheService()
    {
        await using var setup = await Setup.StartAsync();
        var (backend, client) = (setup.Backend, setup.Client);
        using var cancel = new CancellationTokenSource();

        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(10);
        using var call = client.SayHelloAsync(new HelloRequest { Name = "x", Mode = "wait" }, Key, deadline: deadline, cancellationToken: cancel.Token);
        Assert.True(await Eventually.TrueAsync(() => !backend.Calls.Deadlines.IsEmpty, Bound));
        var seen = Assert.Single(backend.Calls.Deadlines); // the client's deadline reached the service as grpc-timeout
        Assert.InRange(seen, deadline.AddMinutes(-1), deadline.AddSeconds(1));
        await cancel.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound))).StatusCode);
        Assert.True(await backend.Calls.Cancelled.Task.WaitAsync(Bound)); // and the service's call was cancelled
    }

    [Fact]
    public async Task Unary_WithoutKeyAndOverRateLimit_RefusedAndServiceNotCalled()
    {
        await using var setup = await Setup.StartAsync();
        var (backend, client) = (setup.Backend, setup.Client);

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest { Name = "x" }).ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode); // HTTP 401, by gRPC's HTTP status mapping
        Assert.Empty(backend.Calls.Headers);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("Hello x", (await client.SayHelloAsync(new HelloRequest { Name = "x" }, Key).ResponseAsync.WaitAsync(Bound)).Message);
        }

        var limited = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest { Name = "x" }, Key).ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Unavailable, limited.StatusCode); // HTTP 429
        Assert.Equal(5, backend.Calls.Headers.Count);
    }
}
