using System.Net;
using System.Text;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.WebPubSub;

/// <summary>
/// The send route: callers address connections, users and groups, and the gateway makes the documented REST call
/// with its own credential, which the stand-in service verifies (an access-key token for the exact request URL, or
/// a managed identity token).
/// </summary>
public sealed class WebPubSubSendTests
{
    private static HttpRequestMessage Post(string target, string body, string mediaType) =>
        new(HttpMethod.Post, "/chat/send/" + target)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = new(mediaType) } },
            Headers = { { "X-Api-Key", WebPubSubGateway.Notifier.Key } },
        };

    [Theory]
    [InlineData("all", "/api/hubs/chat/:send")]
    [InlineData("users/alice", "/api/hubs/chat/users/alice/:send")]
    [InlineData("groups/room%201", "/api/hubs/chat/groups/room 1/:send")]
    [InlineData("connections/conn-1", "/api/hubs/chat/connections/conn-1/:send")]
    public async Task Send_AccessKey_DocumentedCallSignedForItsUrl(string target, string path)
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        using var request = Post(target, """{"say":"hi"}""", "application/json");
        var response = await bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var call = Assert.Single(bridge.Service.Calls);
        Assert.Equal(("POST", path, "accessKey"), (call.Method, call.Path, call.AuthenticatedBy)); // audience checked against the exact URL
        Assert.Equal("api-version=2024-01-01", call.RawQuery);
        Assert.Equal("application/json", call.ContentType);
        Assert.Equal("""{"say":"hi"}""", Encoding.UTF8.GetString(call.Body));
        Assert.Equal(0, bridge.Service.Refused);
    }

    [Fact]
    public async Task Send_ManagedIdentity_CallCarriesTheIdentitysToken()
    {
        await using var bridge = await WebPubSubGateway.StartAsync(credential: "managedIdentity");
        using var request = Post("groups/lobby?excluded=conn-1&excluded=conn-2&sneaky=1", "hello", "text/plain");
        var response = await bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var call = Assert.Single(bridge.Service.Calls);
        Assert.Equal("managedIdentity", call.AuthenticatedBy);
        Assert.Equal("api-version=2024-01-01&excluded=conn-1&excluded=conn-2", call.RawQuery); // only the send options pass
        Assert.Equal("hello", Encoding.UTF8.GetString(call.Body));
    }

    [Theory]
    [InlineData("PUT", "groups/lobby/connections/conn-1", "/api/hubs/chat/groups/lobby/connections/conn-1")]
    [InlineData("DELETE", "users/alice/groups/lobby", "/api/hubs/chat/users/alice/groups/lobby")]
    [InlineData("DELETE", "connections/conn-1", "/api/hubs/chat/connections/conn-1")]
    public async Task Membership_Change_DocumentedCall(string method, string target, string path)
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), "/chat/send/" + target) { Headers = { { "X-Api-Key", WebPubSubGateway.Notifier.Key } } };
        var response = await bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(bridge.Service.Calls);
        Assert.Equal((method, path), (call.Method, call.Path));
    }

    [Theory]
    [InlineData("POST", "nowhere/x")]
    [InlineData("POST", "groups/a/b")]
    [InlineData("GET", "groups/lobby")]
    [InlineData("PUT", "groups/lobby")]
    [InlineData("POST", "users")]
    public async Task Send_UnknownTarget_404AndNoCall(string method, string target)
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), "/chat/send/" + target)
        {
            Headers = { { "X-Api-Key", WebPubSubGateway.Notifier.Key } },
            Content = method == "GET" ? null : new StringContent("x"),
        };
        var response = await bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, "web-pubsub-target-unknown");
        Assert.Empty(bridge.Service.Calls);
    }

    [Fact]
    public async Task Send_UnsupportedMediaType_415AndNoCall()
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        using var request = Post("all", "<x/>", "application/xml");
        var response = await bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, "unsupported-media-type");
        Assert.Empty(bridge.Service.Calls);
    }

    [Theory]
    [InlineData(400, "web-pubsub-rejected")]
    [InlineData(404, "web-pubsub-target-unknown")]
    [InlineData(401, "web-pubsub-unavailable")]
    [InlineData(503, "web-pubsub-unavailable")]
    public async Task Send_ServiceAnswersAnError_MappedToTheCallersOrTheGatewaysFault(int status, string code)
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        bridge.Service.FailWith = status;
        using var request = Post("users/alice", "hi", "text/plain");
        var response = await bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, code);
    }

    [Fact]
    public async Task Send_ServiceUnreachable_502()
    {
        // A loopback port nothing listens on: the service is down.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var bridge = await WebPubSubGateway.StartAsync(serviceUrl: $"http://127.0.0.1:{port}");
        using var request = Post("all", "hi", "text/plain");
        var response = await bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, "web-pubsub-unavailable");
        Assert.Contains(bridge.Gateway.Logs.Entries, e => e.EventId.Id == 2900);
    }

    [Fact]
    public async Task Send_NoApiKey_401AndNoCall()
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        using var request = Post("all", "hi", "text/plain");
        request.Headers.Remove("X-Api-Key");
        var response = await bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, "authentication-required");
        Assert.Empty(bridge.Service.Calls);
    }
}
