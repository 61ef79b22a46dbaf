using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Streaming;

/// <summary>
/// Server-sent events and chunked responses reach the client as the backend writes them, not when it finishes. The
/// backend writes its first event, then waits for a signal the test gives only after the client has read that event:
/// a gateway that held the body back would never deliver it, and the test would fail (after a generous bound), so the
/// outcome does not depend on how fast the machine is.
/// </summary>
public sealed class StreamingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>A backend that writes <c>first</c>, flushes, waits for <paramref name="release"/>, writes <c>last</c> and ends.</summary>
    private static RequestDelegate TwoPart(string contentType, string first, string last, Task release, TaskCompletionSource? finished = null, string cacheControl = "no-cache") => async context =>
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = cacheControl;
        await context.Response.WriteAsync(first, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await release.WaitAsync(context.RequestAborted);
        await context.Response.WriteAsync(last, context.RequestAborted);
        finished?.TrySetResult();
    };

    private static string Registry(string backendUrl, string route = "") => $$"""
    {
      "backends": [ { "id": "events", "url": "{{backendUrl}}" } ],
      "routes": [ { "id": "events", "auth": "anonymous", "match": { "path": "/events/{**rest}" }, "backend": "events"{{route}} } ]
    }
    """;

    /// <summary>Reads from <paramref name="body"/> until the text read so far contains <paramref name="expected"/>.</summary>
    private static async Task<string> ReadUntilAsync(Stream body, StringBuilder read, string expected)
    {
        var buffer = new byte[4096];
        while (!read.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var n = await body.ReadAsync(buffer).AsTask().WaitAsync(Bound);
            Assert.True(n > 0, $"the stream ended before '{expected.Trim()}' arrived; read: {read}");
            read.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return read.ToString();
    }

    [Theory]
    [InlineData("text/event-stream", "id: 1\ndata: first\n\n", "id: 2\ndata: last\n\n")]
    [InlineData("application/x-ndjson", "{\"n\":1}\n", "{\"n\":2}\n")]
    [InlineData("application/octet-stream", "first-chunk;", "last-chunk;")]
    public async Task Proxy_StreamedResponse_FirstPartArrivesBeforeBackendFinishes(string contentType, string first, string last)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(TwoPart(contentType, first, last, release.Task, finished));
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        using var response = await gateway.Client.GetAsync("/events/stream", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength); // streamed (chunked), not counted out first
        await using var body = await response.Content.ReadAsStreamAsync();
        var read = new StringBuilder();

        await ReadUntilAsync(body, read, first);
        Assert.False(finished.Task.IsCompleted, "the backend finished before the client read the first part");
        release.SetResult();
        var all = await ReadUntilAsync(body, read, last);

        Assert.Equal(first + last, all);
        Assert.Equal(0, await body.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Proxy_CacheableStreamOnCachedRoute_StreamsWhileTheCacheCopiesIt()
    {
        // The response cache copies a storable body as it passes; it must pass it on as it comes, not when complete.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(TwoPart("application/x-ndjson", "{\"n\":1}\n", "{\"n\":2}\n", release.Task, finished, "public, max-age=60"));
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url, """, "cache": { "defaultTtl": "60s" }"""));

        using var response = await gateway.Client.GetAsync("/events/feed", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var read = new StringBuilder();
        await ReadUntilAsync(body, read, "{\"n\":1}\n");
        Assert.False(finished.Task.IsCompleted, "the backend finished before the client read the first line");
        release.SetResult();
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", await ReadUntilAsync(body, read, "{\"n\":2}\n"));
        Assert.Equal(0, await body.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound));

        // The copy was stored whole: the second request is a hit with the complete body, and the backend is not called.
        using var again = await gateway.Client.GetAsync("/events/feed").WaitAsync(Bound);
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", await again.Content.ReadAsStringAsync());
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Proxy_EventStreamUnderResiliencePipeline_OutlivesRouteTimeoutAndIsNotRetried()
    {
        // The route retries and has short timeouts: they bound the wait for the response headers only. Once the
        // events flow, the clock moves far past both timeouts and the stream goes on; nothing was buffered to retry.
        var clock = new TestClock();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(TwoPart("text/event-stream", "data: one\n\n", "data: two\n\n", release.Task));
        await using var gateway = await GatewayHost.StartWithFileAsync(
            Registry(backend.Url, """, "resilience": { "timeout": "1s", "attemptTimeout": "500ms", "retry": { "maxAttempts": 3, "delay": "10ms" } }"""),
            services: clock.AddTo);

        using var response = await gateway.Client.GetAsync("/events/stream", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var read = new StringBuilder();
        await ReadUntilAsync(body, read, "data: one\n\n");

        clock.Advance(TimeSpan.FromSeconds(10)); // ten times the route's timeout, twenty times the attempt's
        release.SetResult();
        var all = await ReadUntilAsync(body, read, "data: two\n\n");

        Assert.Equal("data: one\n\ndata: two\n\n", all);
        Assert.Equal(0, await body.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound));
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Proxy_ClientLeavesMidStream_BackendCallIsCancelled()
    {
        // An endless event stream: when the client goes, the gateway must stop reading from the backend too.
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: hello\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
            }
        });
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        var response = await gateway.Client.GetAsync("/events/stream", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        var body = await response.Content.ReadAsStreamAsync();
        await ReadUntilAsync(body, new StringBuilder(), "data: hello\n\n");
        await body.DisposeAsync();
        response.Dispose();

        await cancelled.Task.WaitAsync(Bound);
    }
}
