using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Proxy;

/// <summary>
/// Request bodies through the host and the worker: up to the route's limit they reach the backend whole, even above the
/// worker Kestrel's own default of about 28.6 MB; one byte more is Portico's 413 problem and the backend is not called.
/// </summary>
public sealed class BodyLimitTests : IAsyncLifetime
{
    // Above Kestrel's default limit (30,000,000 bytes), below the host's 100 MB.
    private const int Limit = 40 * 1024 * 1024;

    private TestBackend _backend = null!;
    private FunctionsGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(context => context.Response.WriteAsync("received"), recordBody: true);
        _gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "upload", "auth": "anonymous", "match": { "path": "/upload" }, "backend": "b", "maxRequestBodySize": {{Limit}} } ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Post_BodyOfExactlyTheLimit_ReachesTheBackendWhole()
    {
        using var response = await _gateway.Client.PostAsync("/upload", new ByteArrayContent(new byte[Limit]));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}{Environment.NewLine}{_gateway.Log}");
        Assert.Equal("received", await response.Content.ReadAsStringAsync());
        Assert.Equal(Limit, _backend.LastRequest.BodyLength);
    }

    [Fact]
    public async Task Post_BodyOneByteOverTheLimit_413ProblemAndTheBackendIsNotCalled()
    {
        using var response = await _gateway.Client.PostAsync("/upload", new ByteArrayContent(new byte[Limit + 1]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.Equal(0, _backend.Count);
    }
}
