using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Streaming;

/// <summary>
/// Server-sent events stream through the Functions host's hop and the worker as the backend writes them: the backend
/// sends its first event and waits for a signal the test gives only after the client has read it, so a buffering hop
/// fails the test whatever the machine's speed.
/// </summary>
public sealed class StreamingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Proxy_EventStream_FirstEventArrivesBeforeBackendFinishes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: first\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await release.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("data: last\n\n", context.RequestAborted);
            finished.TrySetResult();
        });
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "events", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "events", "auth": "anonymous", "match": { "path": "/events" }, "backend": "events" } ]
        }
        """);

        using var response = await gateway.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}{Environment.NewLine}{gateway.Log}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var read = new StringBuilder();
        var buffer = new byte[1024];
        while (!read.ToString().Contains("data: first\n\n", StringComparison.Ordinal))
        {
            var n = await body.ReadAsync(buffer).AsTask().WaitAsync(Bound);
            Assert.True(n > 0, "the stream ended before the first event");
            read.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        Assert.False(finished.Task.IsCompleted, "the backend finished before the client read the first event");
        release.SetResult();
        int last;
        while ((last = await body.ReadAsync(buffer).AsTask().WaitAsync(Bound)) > 0)
        {
            read.Append(Encoding.UTF8.GetString(buffer, 0, last));
        }

        Assert.Equal("data: first\n\ndata: last\n\n", read.ToString());
    }
}
