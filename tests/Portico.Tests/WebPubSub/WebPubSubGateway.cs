using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portico.Tests.Infrastructure;
using Portico.WebPubSub;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.WebPubSub;

/// <summary>
/// A gateway with the three routes of a Web PubSub bridge for hub <c>chat</c> (negotiate, events, send), the stand-in
/// service they call, and the application backend the events go to. The backend answers <c>connect</c> with the user's
/// groups (401 for user <c>nobody</c>, 403 for <c>mallory</c>, a text body for <c>confused</c>), echoes each <c>message</c> with its media type (500 for
/// the text <c>fail</c>), and records every event with its headers and body.
/// </summary>
public sealed class WebPubSubGateway : IAsyncDisposable
{
    private WebPubSubGateway(FakeWebPubSubService service, TestBackend backend, GatewayHost gateway, string secondaryKey, ConcurrentQueue<byte[]> bodies)
    {
        EventBodies = bodies;
        Service = service;
        Backend = backend;
        Gateway = gateway;
        SecondaryKey = secondaryKey;
    }

    public static readonly (string Key, string Id) Alice = Portico.Auth.ApiKeyFormat.Generate();

    public static readonly (string Key, string Id) Notifier = Portico.Auth.ApiKeyFormat.Generate();

    public FakeWebPubSubService Service { get; }

    public TestBackend Backend { get; }

    public GatewayHost Gateway { get; }

    /// <summary>The service's secondary access key (the primary is <see cref="FakeWebPubSubService.AccessKey"/>).</summary>
    public string SecondaryKey { get; }

    /// <summary>Event bodies the backend received, in order.</summary>
    public ConcurrentQueue<byte[]> EventBodies { get; }

    public static async Task<WebPubSubGateway> StartAsync(string credential = "accessKey", string? serviceUrl = null)
    {
        var service = await FakeWebPubSubService.StartAsync();
        var bodies = new ConcurrentQueue<byte[]>();
        var backend = await TestBackend.StartAsync(context => HandleEventAsync(context, bodies));
        var secondary = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var settings = new Dictionary<string, string?> { ["WebPubSub:PrimaryKey"] = service.AccessKey, ["WebPubSub:SecondaryKey"] = secondary };
        var gateway = await GatewayHost.StartWithFileAsync(Registry(serviceUrl ?? service.Url, backend.Url, credential), settings, services =>
            services.Replace(ServiceDescriptor.Singleton(new WebPubSubCredential(service.ManagedIdentity()))));
        return new WebPubSubGateway(service, backend, gateway, secondary, bodies);
    }

    public static string Registry(string serviceUrl, string backendUrl, string credential) => $$"""
    {
      "apiKeys": [ {{ApiKey(Alice.Id, "alice", Alice.Key)}}, {{ApiKey(Notifier.Id, "notifier", Notifier.Key)}} ],
      "consumers": [ { "id": "alice" }, { "id": "notifier" } ],
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "backends": [ { "id": "app", "url": "{{backendUrl}}" } ],
      "routes": [
        { "id": "chat-negotiate", "auth": "keys", "match": { "path": "/chat/negotiate" },
          "webPubSub": { "endpoint": "{{serviceUrl}}", "hub": "chat", "kind": "negotiate", "credential": "{{credential}}",
                         "accessKeySettings": [ "WebPubSub:PrimaryKey" ], "tokenLifetime": "30m",
                         "groups": [ "lobby", "user-{sub}", "team-{claim:team}" ], "roles": [ "webpubsub.sendToGroup.lobby" ] } },
        { "id": "chat-events", "auth": "anonymous", "match": { "path": "/chat/events", "methods": [ "OPTIONS", "POST" ] },
          "webPubSub": { "endpoint": "{{serviceUrl}}", "hub": "chat", "kind": "events",
                         "accessKeySettings": [ "WebPubSub:PrimaryKey", "WebPubSub:SecondaryKey" ],
                         "events": { "connect": { "backend": "app", "path": "/ws/connect" },
                                     "message": { "backend": "app", "path": "/ws/message" },
                                     "disconnected": { "backend": "app", "path": "/ws/disconnected" } } } },
        { "id": "chat-send", "auth": "keys", "match": { "path": "/chat/send/{**target}" },
          "webPubSub": { "endpoint": "{{serviceUrl}}", "hub": "chat", "kind": "send", "credential": "{{credential}}",
                         "accessKeySettings": [ "WebPubSub:PrimaryKey" ] } }
      ]
    }
    """;

    private static async Task HandleEventAsync(HttpContext context, ConcurrentQueue<byte[]> bodies)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        bodies.Enqueue(body);
        var user = context.Request.Headers["ce-userId"].ToString();
        switch (context.Request.Path.Value)
        {
            case "/ws/connect" when user == "nobody":
                context.Response.StatusCode = 401;
                break;
            case "/ws/connect" when user == "mallory":
                context.Response.StatusCode = 403;
                break;
            case "/ws/connect" when user == "confused":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("welcome");
                break;
            case "/ws/connect":
                context.Response.Headers["ce-connectionState"] = "c3RhdGU=";
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"userId":"{{user}}","groups":["room-1"]}""");
                break;
            case "/ws/message" when body.SequenceEqual("fail"u8.ToArray()):
                context.Response.StatusCode = 500;
                break;
            case "/ws/message":
                context.Response.ContentType = context.Request.ContentType;
                await context.Response.Body.WriteAsync(body);
                break;
            default:
                context.Response.StatusCode = 200;
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
        await Service.DisposeAsync();
    }
}
