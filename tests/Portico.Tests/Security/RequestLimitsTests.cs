using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Security;

/// <summary>Per-route request body limits.</summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(recordBody: true);
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [
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
}
