using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary>
/// The access log's bytes out are the body bytes the client received, however the body was written: streamed by the
/// backend in many pieces, answered by the gateway itself, or from the response cache (issue 25 counts them in a body
/// feature of the gateway's own instead of a replacement stream).
/// </summary>
public sealed class ResponseBytesTests : IAsyncLifetime
{
    private const int Chunk = 7_001;
    private const int Chunks = 40;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(async context =>
        {
            if (context.Request.Path == "/cached")
            {
                context.Response.Headers.CacheControl = "public, max-age=300";
                await context.Response.WriteAsync(new string('c', 1_234));
                return;
            }

            // No Content-Length: chunked, one flush per piece, so the forwarder writes it in many pieces.
            var piece = new byte[Chunk];
            Array.Fill(piece, (byte)'s');
            for (int i = 0; i < Chunks; i++)
            {
                await context.Response.Body.WriteAsync(piece);
                await context.Response.Body.FlushAsync();
            }
        });
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [
            { "id": "stream", "auth": "anonymous", "match": { "path": "/stream" }, "backend": "b" },
            { "id": "cached", "auth": "anonymous", "match": { "path": "/cached" }, "backend": "b", "cache": {} }
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
    public async Task AccessLog_StreamedChunkedResponse_BytesOutCountsEveryByte()
    {
        using var response = await _gateway.Client.GetAsync("/stream");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Chunk * Chunks, body.Length);
        Assert.Equal((long)body.Length, BytesOutOf(Assert.Single(AccessLog("/stream"))));
    }

    [Fact]
    public async Task AccessLog_ProblemAnsweredByTheGateway_BytesOutIsTheProblemBody()
    {
        using var response = await _gateway.Client.GetAsync("/no-such-route");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(body);
        Assert.Equal((long)body.Length, BytesOutOf(Assert.Single(AccessLog("/no-such-route"))));
    }

    [Fact]
    public async Task AccessLog_CacheMissThenHit_BytesOutCountsBothBodies()
    {
        using var miss = await _gateway.Client.GetAsync("/cached");
        var missBody = await miss.Content.ReadAsStringAsync();
        using var hit = await _gateway.Client.GetAsync("/cached");
        var hitBody = await hit.Content.ReadAsStringAsync();

        Assert.Equal(1_234, missBody.Length);
        Assert.Equal(missBody, hitBody);
        Assert.Equal(1, _backend.Requests.Count(r => r.Path == "/cached")); // the second came from the cache
        var entries = AccessLog("/cached");
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(1_234L, BytesOutOf(e)));
    }

    private List<TestLogSink.LogEntry> AccessLog(string path) =>
        [.. _gateway.Logs.Entries.Where(e => e.Category == ObservabilityStage.AccessLogCategory
            && e.State.Any(kv => kv.Key == "Path" && (kv.Value as string) == path))];

    private static long BytesOutOf(TestLogSink.LogEntry entry) => (long)entry.State.Single(kv => kv.Key == "BytesOut").Value!;
}
