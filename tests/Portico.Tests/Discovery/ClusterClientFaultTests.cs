using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>A client's fault never counts against a destination, even where one failure would eject it.</summary>
public sealed class ClusterClientFaultTests
{
    private const int Attempts = 6;

    [Fact]
    public async Task Record_ClientAbortsUploadsAndSendsBrokenBodies_NoDestinationIsEjected()
    {
        await using var first = await TestBackend.StartAsync(recordBody: true);
        await using var second = await TestBackend.StartAsync(recordBody: true);
        await using var gateway = await ClusterGateway.StartAsync(
            [first.Url, second.Url],
            """ "health": { "passive": { "consecutiveFailures": 1, "maxEjectedPercent": 100 } } """);

        for (var i = 0; i < Attempts; i++)
        {
            // Streamed to the destination as it arrives (larger than the retry buffer), then the client goes away.
            var head = Encoding.ASCII.GetBytes("POST /r/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n");
            await RawHttp.SendAndCloseAsync(gateway.Url, [.. head, .. new byte[5000]]);
            var malformed = await RawHttp.SendAsync(gateway.Url, "POST /r/x HTTP/1.1\nTransfer-Encoding: chunked\nConnection: close", "zz\r\nhello\r\n0\r\n\r\n"u8.ToArray());
            Assert.Equal(400, malformed.Status);
        }

        Assert.True(
            await Eventually.TrueAsync(() => gateway.Logs.Entries.Count(e => e.Category == "Portico.AccessLog") >= 2 * Attempts, TimeSpan.FromSeconds(30)),
            "every request was answered or abandoned");
        Assert.True(first.Count + second.Count > 0, "the aborted uploads reached a destination");
        var destinations = gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"].Cluster!.Destinations;
        Assert.All(destinations, d => Assert.Null(d.Health!.EjectedUntil));
        Assert.DoesNotContain(gateway.Logs.Entries, e => e.EventId.Id == 2500);
    }
}
