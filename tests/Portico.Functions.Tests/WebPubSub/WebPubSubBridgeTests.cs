using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;
using Portico.Tests.WebPubSub;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Functions.Tests.WebPubSub;

/// <summary>
/// The Web PubSub bridge in the Functions app, through the host's hop to the worker: negotiate, the service's events
/// (handshake, signatures, the backend's answer) and sends, against the loopback stand-in of the service; and a
/// WebSocket handshake, which the host cannot pass, pointed to the negotiate route.
/// </summary>
public sealed class WebPubSubBridgeTests(WebPubSubBridgeTests.App app) : IClassFixture<WebPubSubBridgeTests.App>
{
    private static readonly (string Key, string Id) Alice = Portico.Auth.ApiKeyFormat.Generate();

    /// <summary>One worker for the class, with the bridge's three routes for hub <c>chat</c> and a WebSocket route.</summary>
    public sealed class App : IAsyncLifetime
    {
        public FakeWebPubSubService Service { get; private set; } = null!;

        public TestBackend Backend { get; private set; } = null!;

        public FunctionsGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Service = await FakeWebPubSubService.StartAsync();
            Backend = await TestBackend.StartAsync(async context =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"userId":"{{context.Request.Headers["ce-userId"]}}","groups":["room-1"]}""");
            });
            Gateway = await FunctionsGateway.StartWithFileAsync($$"""
            {
              "apiKeys": [ {{ApiKey(Alice.Id, "alice", Alice.Key)}} ],
              "consumers": [ { "id": "alice" } ],
              "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
              "backends": [ { "id": "app", "url": "{{Backend.Url}}" } ],
              "routes": [
                { "id": "negotiate", "auth": "keys", "match": { "path": "/chat/negotiate" },
                  "webPubSub": { "endpoint": "{{Service.Url}}", "hub": "chat", "kind": "negotiate", "credential": "accessKey",
                                 "accessKeySettings": [ "WebPubSub:PrimaryKey" ], "groups": [ "user-{sub}" ] } },
                { "id": "events", "auth": "anonymous", "match": { "path": "/chat/events" },
                  "webPubSub": { "endpoint": "{{Service.Url}}", "hub": "chat", "kind": "events", "accessKeySettings": [ "WebPubSub:PrimaryKey" ],
                                 "events": { "connect": { "backend": "app", "path": "/ws/connect" } } } },
                { "id": "send", "auth": "keys", "match": { "path": "/chat/send/{**target}" },
                  "webPubSub": { "endpoint": "{{Service.Url}}", "hub": "chat", "kind": "send", "credential": "accessKey",
                                 "accessKeySettings": [ "WebPubSub:PrimaryKey" ] } },
                { "id": "ws", "auth": "anonymous", "match": { "path": "/ws" }, "backend": "app", "webSocket": {} }
              ]
            }
            """, new Dictionary<string, string?> { ["WebPubSub__PrimaryKey"] = Service.AccessKey });
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
            await Service.DisposeAsync();
        }
    }

    private static string Sign(string connectionId, string key) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(connectionId)));

    private HttpRequestMessage Connect(string connectionId, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/chat/events")
        {
            Content = new StringContent("""{"claims":{},"query":{},"headers":{},"subprotocols":[]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("WebHook-Request-Origin", new Uri(app.Service.Url).Authority);
        request.Headers.Add("ce-specversion", "1.0");
        request.Headers.Add("ce-type", "azure.webpubsub.sys.connect");
        request.Headers.Add("ce-id", "1");
        request.Headers.Add("ce-hub", "chat");
        request.Headers.Add("ce-connectionId", connectionId);
        request.Headers.Add("ce-eventName", "connect");
        request.Headers.Add("ce-userId", "alice");
        if (signature is not null)
        {
            request.Headers.Add("ce-signature", signature);
        }

        return request;
    }

    [Fact]
    public async Task Negotiate_ThroughFunctionsHost_TokenForTheCallerSignedWithTheKey()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chat/negotiate") { Headers = { { "X-Api-Key", Alice.Key } } };
        using var response = await app.Gateway.Client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, app.Gateway.Log);
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = app.Service.Url + "/client/hubs/chat",
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(app.Service.AccessKey)),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("alice", ((JsonWebToken)result.SecurityToken).Subject);
        Assert.Equal("user-alice", ((JsonWebToken)result.SecurityToken).GetClaim("webpubsub.group").Value);
    }

    [Fact]
    public async Task Events_ThroughFunctionsHost_HandshakeAndSignedConnectRelayedForgedRefused()
    {
        using var handshake = new HttpRequestMessage(HttpMethod.Options, "/chat/events");
        handshake.Headers.Add("WebHook-Request-Origin", new Uri(app.Service.Url).Authority);
        using var allowed = await app.Gateway.Client.SendAsync(handshake);
        Assert.True(allowed.StatusCode == HttpStatusCode.OK, app.Gateway.Log);
        Assert.Equal([new Uri(app.Service.Url).Authority], allowed.Headers.GetValues("WebHook-Allowed-Origin"));

        var before = app.Backend.Count;
        using var forged = await app.Gateway.Client.SendAsync(Connect("conn-f", Sign("conn-f", "not-the-key")));
        await ProblemAssert.ReadAsync(forged, "web-pubsub-signature-invalid");
        Assert.Equal(before, app.Backend.Count);

        using var genuine = await app.Gateway.Client.SendAsync(Connect("conn-g", Sign("conn-g", app.Service.AccessKey)));
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Equal("""{"userId":"alice","groups":["room-1"]}""", await genuine.Content.ReadAsStringAsync());
        Assert.Equal("conn-g", app.Backend.LastRequest.Header("ce-connectionId"));
    }

    [Fact]
    public async Task Send_ThroughFunctionsHost_ServiceCalledWithTheGatewaysToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat/send/groups/lobby")
        {
            Headers = { { "X-Api-Key", Alice.Key } },
            Content = new StringContent("hello", Encoding.UTF8, "text/plain"),
        };
        using var response = await app.Gateway.Client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, app.Gateway.Log);
        var call = Assert.Single(app.Service.Calls, c => c.Path == "/api/hubs/chat/groups/lobby/:send");
        Assert.Equal("accessKey", call.AuthenticatedBy);
        Assert.Equal("hello", Encoding.UTF8.GetString(call.Body));
    }

    [Fact]
    public async Task WebSocketHandshake_ThroughFunctionsHost_501NamesTheNegotiateRoute()
    {
        using var response = await TestRequests.GetAsync(app.Gateway.Client, "/ws", TestRequests.WebSocketHandshake);

        var problem = await ProblemAssert.ReadAsync(response, "websocket-unsupported");
        Assert.Equal("/chat/negotiate", problem.GetProperty("negotiate").GetString());
        Assert.Contains("/chat/negotiate", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
