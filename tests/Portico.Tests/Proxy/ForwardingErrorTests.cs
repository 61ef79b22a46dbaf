using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Proxy;

/// <summary>Backend failures become precise problem answers that reveal nothing about the backend.</summary>
public sealed class ForwardingErrorTests : IAsyncLifetime
{
    private TestBackend _hanging = null!;
    private TestBackend _resetting = null!;
    private TestBackend _midBody = null!;
    private GatewayHost _gateway = null!;
    private int _closedPort;

    public async Task InitializeAsync()
    {
        _closedPort = Azurite.FreePort(); // nothing listens there once the probe socket is closed
        _hanging = await TestBackend.StartAsync(async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        _resetting = await TestBackend.StartAsync(context =>
        {
            context.Features.GetRequiredFeature<IHttpRequestLifetimeFeature>().Abort();
            return Task.CompletedTask;
        });
        _midBody = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("only part of it");
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [
            { "id": "closed",    "url": "http://127.0.0.1:{{_closedPort}}" },
            { "id": "hanging",   "url": "{{_hanging.Url}}" },
            { "id": "resetting", "url": "{{_resetting.Url}}" },
            { "id": "mid-body",  "url": "{{_midBody.Url}}" }
          ],
          "routes": [
            { "id": "refused", "auth": "anonymous", "match": { "path": "/refused" }, "backend": "closed" },
            { "id": "slow",    "auth": "anonymous", "match": { "path": "/slow" },    "backend": "hanging", "activityTimeout": "300ms" },
            { "id": "reset",   "auth": "anonymous", "match": { "path": "/reset" },   "backend": "resetting" },
            { "id": "partial", "auth": "anonymous", "match": { "path": "/partial" }, "backend": "mid-body" }
          ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _hanging.DisposeAsync();
        await _resetting.DisposeAsync();
        await _midBody.DisposeAsync();
    }

    [Fact]
    public async Task Forward_ConnectionRefused_Answers502WithoutBackendDetail()
    {
        using var response = await _gateway.Client.GetAsync("/refused");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "bad-gateway");
        AssertNoBackendDetail(problem.ToString(), _closedPort);
    }

    [Fact]
    public async Task Forward_BackendResetsConnection_Answers502()
    {
        using var response = await _gateway.Client.GetAsync("/reset");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "bad-gateway");
        AssertNoBackendDetail(problem.ToString(), _resetting.Port);
    }

    [Fact]
    public async Task Forward_BackendSilentBeyondActivityTimeout_Answers504()
    {
        using var response = await _gateway.Client.GetAsync("/slow");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "gateway-timeout");
        AssertNoBackendDetail(problem.ToString(), _hanging.Port);
    }

    [Fact]
    public async Task Forward_BackendDiesMidBody_ClientSeesAnAbortedResponseNotATruncatedSuccess()
    {
        HttpResponseMessage response;
        try
        {
            response = await _gateway.Client.GetAsync("/partial", HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException)
        {
            // The gateway aborted the connection after the headers were sent, and the reset reached the client
            // before it had read them (a TCP reset discards unread data): a failed exchange, not a success either.
            return;
        }

        using var _ = response;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // Headers were already on their way: the only honest signal left is an aborted body.
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());
        }
        else
        {
            // The failure came before anything reached the client: a clean 502.
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "bad-gateway");
        }
    }

    [Fact]
    public async Task Forward_Failure_IsLoggedWithRouteAndBackend()
    {
        using var response = await _gateway.Client.GetAsync("/refused");
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 20 && e.Message.Contains("route refused", StringComparison.Ordinal) && e.Message.Contains("backend closed", StringComparison.Ordinal));
    }

    private static void AssertNoBackendDetail(string body, int port)
    {
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }
}
