using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portico.Bench.Failover;

/// <summary>A destination on 127.0.0.1: every path answers 1 KB of text; it can die abruptly (connections reset, the port closed).</summary>
internal sealed class LoopbackBackend : IAsyncDisposable
{
    private static readonly byte[] Body = System.Text.Encoding.ASCII.GetBytes(new string('x', 1024));
    private readonly WebApplication _app;
    private bool _stopped;

    private LoopbackBackend(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<LoopbackBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = Body.Length;
            return context.Response.Body.WriteAsync(Body).AsTask();
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackBackend(app, url);
    }

    /// <summary>Dies at once: a cancelled stop aborts every connection instead of draining them, as a crash would.</summary>
    public async Task KillAsync()
    {
        _stopped = true;
        await _app.StopAsync(new CancellationToken(canceled: true));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
    }
}
