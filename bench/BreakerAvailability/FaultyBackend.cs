using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portico.Bench.Breaker;

/// <summary>
/// A Kestrel backend on 127.0.0.1 that fails (503) a chosen fraction of the calls it receives, drawn from a seeded
/// generator, so a run sending its calls one at a time sees the same failures every time. It counts the calls it
/// received from each gateway instance (the <c>X-Instance</c> header the load sends through the gateway).
/// </summary>
internal sealed class FaultyBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly long[] _received;
    private double _failureRate;

    private FaultyBackend(WebApplication app, int instances, int seed)
    {
        _app = app;
        _random = new Random(seed);
        _received = new long[instances];
    }

    public string Url { get; private set; } = "";

    /// <summary>The fraction of calls answered 503 from now on (0 to 1).</summary>
    public double FailureRate
    {
        get => Volatile.Read(ref _failureRate);
        set => Volatile.Write(ref _failureRate, value);
    }

    /// <summary>Calls received from each instance so far.</summary>
    public long Received(int instance) => Interlocked.Read(ref _received[instance]);

    public static async Task<FaultyBackend> StartAsync(int instances, int seed)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new FaultyBackend(app, instances, seed);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task HandleAsync(HttpContext context)
    {
        if (int.TryParse(context.Request.Headers["X-Instance"], out var instance) && instance >= 0 && instance < _received.Length)
        {
            Interlocked.Increment(ref _received[instance]);
        }

        bool fail;
        lock (_lock)
        {
            fail = _random.NextDouble() < FailureRate;
        }

        context.Response.StatusCode = fail ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return context.Response.WriteAsync(fail ? "failed" : "ok");
    }
}
