using System.Net;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.WebSockets;

/// <summary>
/// The Functions host cannot pass an upgrade to the worker: a WebSocket handshake through it is answered with a
/// problem that says so (501 on a route that allows WebSockets, 400 on one that does not), never a hang or a 500.
/// </summary>
public sealed class WebSocketRefusalTests
{
    [Theory]
    [InlineData("/ws", HttpStatusCode.NotImplemented, "websocket-unsupported")]
    [InlineData("/plain", HttpStatusCode.BadRequest, "websocket-not-allowed")]
    public async Task Handshake_ThroughFunctionsHost_ProblemAndBackendNotCalled(string path, HttpStatusCode status, string code)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [
            { "id": "ws", "auth": "anonymous", "match": { "path": "/ws" }, "backend": "b", "webSocket": {} },
            { "id": "plain", "auth": "anonymous", "match": { "path": "/plain" }, "backend": "b" }
          ]
        }
        """);
        using var response = await TestRequests.GetAsync(gateway.Client, path, TestRequests.WebSocketHandshake).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}{Environment.NewLine}{gateway.Log}");
        await ProblemAssert.ReadAsync(response, code);
        Assert.Equal(0, backend.Count);
    }
}
