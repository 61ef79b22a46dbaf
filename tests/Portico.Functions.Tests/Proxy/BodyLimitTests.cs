using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Proxy;

/// <summary>
/// Request bodies through the host and the worker: up to the route's limit they reach the backend whole, even above the
/// worker Kestrel's own default of about 28.6 MB; one byte more is Portico's 413 problem and the backend is not called.
/// </summary>
public sealed class BodyLimitTests(BodyLimitTests.App app) : IClassFixture<BodyLimitTests.App>
{
    // Above Kestrel's default limit (30,000,000 bytes), below the host's 100 MB.
    private const int Limit = 40 * 1024 * 1024;

    /// <summary>One worker for the class: an upload route with the limit, to a backend that counts the bytes it gets.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TestBackend Backend { get; private set; } = null!;

        public FunctionsGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Backend = await TestBackend.StartAsync(context => context.Response.WriteAsync("received"), recordBody: true);
            Gateway = await FunctionsGateway.StartWithFileAsync($$"""
            {
              "backends": [ { "id": "b", "url": "{{Backend.Url}}" } ],
              "routes": [ { "id": "upload", "auth": "anonymous", "match": { "path": "/upload" }, "backend": "b", "maxRequestBodySize": {{Limit}} } ]
            }
            """);
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Post_BodyOfExactlyTheLimit_ReachesTheBackendWhole()
    {
        using var response = await app.Gateway.Client.PostAsync("/upload", new ByteArrayContent(new byte[Limit]));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}{Environment.NewLine}{app.Gateway.Log}");
        Assert.Equal("received", await response.Content.ReadAsStringAsync());
        Assert.Equal(Limit, app.Backend.LastRequest.BodyLength);
    }

    [Fact]
    public async Task Post_BodyOneByteOverTheLimit_413ProblemAndTheBackendIsNotCalled()
    {
        var before = app.Backend.Count;
        using var response = await app.Gateway.Client.PostAsync("/upload", new ByteArrayContent(new byte[Limit + 1]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.Equal(before, app.Backend.Count);
    }
}
