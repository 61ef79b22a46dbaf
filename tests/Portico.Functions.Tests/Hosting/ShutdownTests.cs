using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Hosting;

/// <summary>
/// Shutdown in the host's order: the front end stops taking requests and lets those in flight finish, then the worker
/// gets <c>WorkerTerminate</c> and must exit on its own, with code 0, within the host's 5 s grace period.
/// </summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_RequestsInFlight_TheyCompleteAndTheWorkerExitsCleanly()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            Interlocked.Increment(ref arrived);
            await release.Task;
            await context.Response.WriteAsync("done");
        });
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "slow", "auth": "anonymous", "match": { "path": "/slow" }, "backend": "b" } ]
        }
        """);
        var inFlight = Enumerable.Range(0, 3).Select(_ => gateway.Client.GetAsync("/slow")).ToArray();
        Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref arrived) == 3, TimeSpan.FromSeconds(30)), gateway.Log);

        var stopping = gateway.Host.StopAsync();
        var port = new Uri(gateway.Url).Port;
        Assert.True(await Eventually.TrueAsync(async () => !await AcceptsConnectionsAsync(port), TimeSpan.FromSeconds(30)), "the host kept accepting new connections while stopping");
        release.SetResult();

        foreach (var request in inFlight)
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("done", await response.Content.ReadAsStringAsync());
        }

        await stopping;
        Assert.Equal(0, await gateway.Host.WorkerExited);
        Assert.DoesNotContain("has not exited within", gateway.Log);
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
