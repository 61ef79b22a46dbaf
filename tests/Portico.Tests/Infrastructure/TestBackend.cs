using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Portico.Tests.Infrastructure;

/// <summary>A real Kestrel backend on 127.0.0.1 with an ephemeral port, recording every request it receives.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private int _count;

    private TestBackend(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public int Port => new Uri(Url).Port;

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public ReceivedRequest LastRequest => _requests.Last();

    /// <summary>Returns once the backend has received <paramref name="count"/> requests; fails the test after 30 s.</summary>
    public async Task ReceivedAsync(int count)
    {
        Assert.True(await Eventually.TrueAsync(() => Count >= count, TimeSpan.FromSeconds(30)), $"the backend received {Count} of {count} requests");
    }

    /// <summary>Answers with a JSON echo of the request (method, path, query, headers).</summary>
    public static readonly RequestDelegate Echo = async context =>
    {
        var request = context.Request;
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new { method = request.Method, path = request.Path.Value, query = request.QueryString.Value, headers });
    };

    /// <summary>A handler that sets <paramref name="arrived"/> and then holds every call until the client leaves: a service that never answers.</summary>
    public static RequestDelegate Silent(TaskCompletionSource arrived) => context =>
    {
        arrived.TrySetResult();
        return Task.Delay(Timeout.Infinite, context.RequestAborted);
    };

    public static async Task<TestBackend> StartAsync(RequestDelegate? handler = null, Action<KestrelServerOptions>? kestrel = null, bool recordBody = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.Limits.MaxRequestBodySize = null;
            kestrel?.Invoke(options);
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new TestBackend(app);
        handler ??= Echo;
        app.Run(async context =>
        {
            Interlocked.Increment(ref backend._count);
            var request = context.Request;
            long bodyLength = -1;
            if (recordBody)
            {
                var buffer = new byte[81920];
                bodyLength = 0;
                int read;
                while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    bodyLength += read;
                }
            }

            backend._requests.Enqueue(new ReceivedRequest(
                request.Method,
                request.Path.Value ?? "",
                request.QueryString.Value ?? "",
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                bodyLength,
                context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget));
            await handler(context);
        });
        await app.StartAsync();
        backend.Url = app.Urls.First().TrimEnd('/');
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
