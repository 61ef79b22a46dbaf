using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.WebPubSub;

/// <summary>
/// The upstream event handler, driven with the requests the service documents (CloudEvents HTTP binding, binary mode):
/// the abuse-protection handshake, the signature of every event, and the backend's answer relayed as the event's.
/// </summary>
public sealed class WebPubSubEventTests : IAsyncLifetime
{
    private WebPubSubGateway _bridge = null!;

    public async Task InitializeAsync() => _bridge = await WebPubSubGateway.StartAsync();

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    /// <summary>The service's signature header: <c>sha256={hex HMAC-SHA256(key, connectionId)}</c> per key, comma-separated.</summary>
    private static string Sign(string connectionId, params string[] keys) =>
        string.Join(",", keys.Select(key => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(connectionId)))));

    private string Host => new Uri(_bridge.Service.Url).Authority;

    private HttpRequestMessage Event(string type, string eventName, string connectionId, string? signature, string? userId, HttpContent? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/chat/events") { Content = body ?? new ByteArrayContent([]) };
        request.Headers.Add("WebHook-Request-Origin", Host);
        request.Headers.Add("ce-specversion", "1.0");
        request.Headers.Add("ce-type", type);
        request.Headers.Add("ce-source", "/hubs/chat/client/" + connectionId);
        request.Headers.Add("ce-id", Guid.NewGuid().ToString("N"));
        request.Headers.Add("ce-time", "2026-12-05T04:00:00Z");
        request.Headers.Add("ce-hub", "chat");
        request.Headers.Add("ce-connectionId", connectionId);
        request.Headers.Add("ce-eventName", eventName);
        if (userId is not null)
        {
            request.Headers.Add("ce-userId", userId);
        }

        if (signature is not null)
        {
            request.Headers.Add("ce-signature", signature);
        }

        return request;
    }

    private HttpRequestMessage Connect(string connectionId, string userId, string? signature) =>
        Event("azure.webpubsub.sys.connect", "connect", connectionId, signature, userId,
            new StringContent("""{"claims":{},"query":{},"headers":{},"subprotocols":[],"clientCertificates":[]}""", Encoding.UTF8, "application/json"));

    private HttpRequestMessage Message(string connectionId, string? signature, HttpContent body) =>
        Event("azure.webpubsub.user.message", "message", connectionId, signature, "alice", body);

    [Fact]
    public async Task Handshake_ServiceOrigin_AllowedWithThatOriginOnly()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/chat/events");
        request.Headers.Add("WebHook-Request-Origin", Host);
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([Host], response.Headers.GetValues("WebHook-Allowed-Origin"));
        Assert.Equal(0, _bridge.Backend.Count);
    }

    [Theory]
    [InlineData("evil.webpubsub.azure.com")]
    [InlineData("*")]
    [InlineData("")]
    public async Task Handshake_OtherOrigin_RefusedWithoutAllowedOrigin(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/chat/events");
        request.Headers.TryAddWithoutValidation("WebHook-Request-Origin", origin);
        var response = await _bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, "webhook-origin-not-allowed");
        Assert.False(response.Headers.Contains("WebHook-Allowed-Origin"));
    }

    [Fact]
    public async Task Connect_ValidSignature_ForwardedAndTheBackendsGrantRelayed()
    {
        using var metrics = new MetricRecorder(_bridge.Gateway.Services);
        using var request = Connect("conn-1", "alice", Sign("conn-1", _bridge.Service.AccessKey, _bridge.SecondaryKey));
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var grant = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("alice", grant.GetProperty("userId").GetString());
        Assert.Equal("room-1", grant.GetProperty("groups")[0].GetString());
        Assert.Equal(["c3RhdGU="], response.Headers.GetValues("ce-connectionState"));

        var forwarded = Assert.Single(_bridge.Backend.Requests);
        Assert.Equal(("POST", "/ws/connect"), (forwarded.Method, forwarded.Path));
        Assert.Equal("conn-1", forwarded.Header("ce-connectionId"));
        Assert.Equal("azure.webpubsub.sys.connect", forwarded.Header("ce-type"));
        Assert.Null(forwarded.Header("ce-signature")); // for the gateway only
        Assert.Contains("\"subprotocols\":[]", Encoding.UTF8.GetString(_bridge.EventBodies.Single()));
        Assert.Equal(1, metrics.Sum("portico.webpubsub.events", ("portico.webpubsub.event", "connect"), ("portico.webpubsub.outcome", "forwarded")));
    }

    [Fact]
    public async Task Connect_SignedWithTheSecondaryKeyOnly_Accepted()
    {
        // During a key rotation the service may sign with a key the gateway holds as its secondary.
        using var request = Connect("conn-2", "alice", Sign("conn-2", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), _bridge.SecondaryKey));
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _bridge.Backend.Count);
    }

    public static TheoryData<string, string?> Forgeries => new()
    {
        { "missing", null },
        { "empty", "" },
        { "another key", Sign("conn-3", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))) },
        { "another connection", "{other}" },
        { "truncated", "{truncated}" },
        { "not hex", "sha256=" + new string('z', 64) },
        { "no scheme", "{bare}" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Event_ForgedOrMissingSignature_401AndNothingForwarded(string forgery, string? signature)
    {
        using var metrics = new MetricRecorder(_bridge.Gateway.Services);
        var genuine = Sign("conn-3", _bridge.Service.AccessKey);
        signature = signature switch
        {
            "{other}" => Sign("conn-4", _bridge.Service.AccessKey),
            "{truncated}" => genuine[..^2],
            "{bare}" => genuine["sha256=".Length..],
            _ => signature,
        };
        using var connect = Connect("conn-3", "alice", signature);
        using var message = Message("conn-3", signature, new StringContent("hello"));

        foreach (var request in new[] { connect, message })
        {
            var response = await _bridge.Gateway.Client.SendAsync(request);
            await ProblemAssert.ReadAsync(response, "web-pubsub-signature-invalid");
        }

        Assert.True(_bridge.Backend.Count == 0, forgery);
        Assert.Equal(2, metrics.Sum("portico.webpubsub.events", ("portico.webpubsub.outcome", "refused")));
        Assert.Contains(_bridge.Gateway.Logs.Entries, e => e.EventId.Id == 2901);
    }

    [Theory]
    [InlineData("nobody", 401)]
    [InlineData("mallory", 403)]
    public async Task Connect_BackendRefuses_RefusalPassedToTheService(string user, int status)
    {
        using var request = Connect("conn-5", user, Sign("conn-5", _bridge.Service.AccessKey));
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(1, _bridge.Backend.Count);
    }

    [Fact]
    public async Task Connect_BackendAnswersNotJson_500AndLogged()
    {
        using var request = Connect("conn-11", "confused", Sign("conn-11", _bridge.Service.AccessKey));
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(_bridge.Gateway.Logs.Entries, e => e.EventId.Id == 2903 && e.Message.Contains("not a JSON object", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("text/plain", "hello", "text/plain")]
    [InlineData("application/json", """{"say":"hi"}""", "application/json")]
    [InlineData("application/octet-stream", "\u0001\u0002", "application/octet-stream")]
    public async Task Message_BackendReplies_ReplyRelayedWithItsDataType(string mediaType, string text, string expected)
    {
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var request = Message("conn-6", Sign("conn-6", _bridge.Service.AccessKey), body);
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Encoding.UTF8.GetBytes(text), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("/ws/message", _bridge.Backend.LastRequest.Path);
    }

    [Fact]
    public async Task Message_BackendFails_500SoTheServiceClosesTheConnection()
    {
        using var request = Message("conn-7", Sign("conn-7", _bridge.Service.AccessKey), new StringContent("fail"));
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(_bridge.Gateway.Logs.Entries, e => e.EventId.Id == 2903);
    }

    [Fact]
    public async Task Disconnected_Forwarded_AcknowledgedWith204()
    {
        using var request = Event("azure.webpubsub.sys.disconnected", "disconnected", "conn-8", Sign("conn-8", _bridge.Service.AccessKey), "alice",
            new StringContent("""{"reason":"closed"}""", Encoding.UTF8, "application/json"));
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("/ws/disconnected", _bridge.Backend.LastRequest.Path);
    }

    [Fact]
    public async Task Connected_NoBackendConfigured_AcknowledgedAndNotForwarded()
    {
        using var request = Event("azure.webpubsub.sys.connected", "connected", "conn-9", Sign("conn-9", _bridge.Service.AccessKey), "alice", null);
        var response = await _bridge.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, _bridge.Backend.Count);
    }

    [Fact]
    public async Task Event_ForAnotherHub_400AndNothingForwarded()
    {
        using var request = Connect("conn-10", "alice", Sign("conn-10", _bridge.Service.AccessKey));
        request.Headers.Remove("ce-hub");
        request.Headers.Add("ce-hub", "other");
        var response = await _bridge.Gateway.Client.SendAsync(request);

        await ProblemAssert.ReadAsync(response, "web-pubsub-event-invalid");
        Assert.Equal(0, _bridge.Backend.Count);
    }
}
