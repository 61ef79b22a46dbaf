using System.Net;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Security;

/// <summary>Per-route request body limits.</summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    private static readonly (string Key, string Id) Credential = Portico.Auth.ApiKeyFormat.Generate();

    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(recordBody: true);
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "consumers": [ { "id": "c" } ],
          "apiKeys": [ {{ApiKey(Credential.Id, "c", Credential.Key)}} ],
          "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
          "routes": [
            { "id": "keyed", "auth": "keys", "match": { "path": "/keyed" }, "backend": "b", "maxRequestBodySize": 1024 },
            { "id": "small", "auth": "anonymous", "match": { "path": "/small" }, "backend": "b", "maxRequestBodySize": 1024 },
            { "id": "none",  "auth": "anonymous", "match": { "path": "/none" },  "backend": "b", "maxRequestBodySize": 0 }
          ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Limit_DeclaredLengthOverLimit_Answers413WithoutCallingBackend()
    {
        using var response = await _gateway.Client.PostAsync("/small", new ByteArrayContent(new byte[2048]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Limit_AnonymousRouteOverLimit_DetailNamesTheLimit()
    {
        using var response = await _gateway.Client.PostAsync("/small", new ByteArrayContent(new byte[2048]));
        var problem = await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.Contains("1024 bytes", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("pk_wrong_key")]
    public async Task Limit_AuthenticatedRouteOverLimitBeforeAuthentication_RefusedEarlyWithoutTheLimit(string? key)
    {
        // The declared length is refused before the credentials are checked (no key is verified for a body the route
        // would refuse anyway), so the answer must not tell an unauthenticated caller what the limit is.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/keyed") { Content = new ByteArrayContent(new byte[1025]) };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var problem = await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.DoesNotContain("1024", body);
        Assert.DoesNotContain("1025", body);
        Assert.False(problem.TryGetProperty("detail", out _), body);
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Limit_AuthenticatedRouteChunkedOverLimit_413WithoutTheLimit()
    {
        var content = new StreamContent(new MemoryStream(new byte[4096]));
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/keyed") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-Api-Key", Credential.Key);
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.DoesNotContain("1024", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Limit_AuthenticatedRouteWithinLimit_IsForwarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/keyed") { Content = new ByteArrayContent(new byte[1024]) };
        request.Headers.Add("X-Api-Key", Credential.Key);
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1024, _backend.LastRequest.BodyLength);
    }

    [Fact]
    public async Task Limit_ChunkedBodyCrossingLimit_Answers413()
    {
        var content = new StreamContent(new MemoryStream(new byte[4096]));
        content.Headers.ContentLength = null; // chunked: the limit is only known while reading
        using var request = new HttpRequestMessage(HttpMethod.Post, "/small") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Limit_BodyWithinLimit_IsForwarded()
    {
        using var response = await _gateway.Client.PostAsync("/small", new ByteArrayContent(new byte[1024]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1024, _backend.LastRequest.BodyLength);
    }

    [Fact]
    public async Task Limit_ZeroLimit_RejectsAnyBodyButAcceptsNone()
    {
        using var rejected = await _gateway.Client.PostAsync("/none", new ByteArrayContent(new byte[1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, rejected.StatusCode);
        using var accepted = await _gateway.Client.GetAsync("/none");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    /// <summary>
    /// Issue 23: a client too slow to send its body is timed out by the server's minimum data rate; it gets 408 with
    /// a problem that says so (not 400 "malformed"), and the rate and grace period are Portico settings.
    /// </summary>
    [Fact]
    public async Task Body_ArrivingSlowerThanTheMinimumRate_Answers408RequestTimeout()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "upload", "auth": "anonymous", "match": { "path": "/upload" }, "backend": "b" } ]
        }
        """, new Dictionary<string, string?>
        {
            ["Portico:Limits:MinRequestBodyDataRate"] = "100",
            ["Portico:Limits:RequestBodyGracePeriod"] = "00:00:02",
        });
        var uri = new Uri(gateway.Url);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        var head = $"POST /upload HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head + "0123456789")); // then nothing more

        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        var read = reader.ReadToEndAsync();
        var answer = await read.WaitAsync(TimeSpan.FromSeconds(60)); // the server closes the connection after its answer

        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("request-timeout", answer, StringComparison.Ordinal);
        Assert.Contains("100 bytes per second", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Portico:Limits:MinRequestBodyDataRate", "-1", "Portico:Limits:MinRequestBodyDataRate")]
    [InlineData("Portico:Limits:RequestBodyGracePeriod", "00:00:00.5", "Portico:Limits:RequestBodyGracePeriod")]
    public async Task Settings_BodyRateOutOfRange_StartFailsNamingTheSetting(string setting, string value, string named)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => GatewayHost.StartWithFileAsync(
            """{ "routes": [ { "id": "s", "auth": "anonymous", "match": { "path": "/s" }, "static": { "body": "ok" } } ] }""",
            new Dictionary<string, string?> { [setting] = value }));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
