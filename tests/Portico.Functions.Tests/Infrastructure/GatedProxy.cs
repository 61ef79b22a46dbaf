using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Functions.Tests.Infrastructure;

/// <summary>
/// A loopback proxy in front of a real service (Azurite) that holds every request until the test opens its gate: a
/// storage account that is slow to answer, on cue, without sleeping.
/// </summary>
public sealed class GatedProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });

    private GatedProxy(WebApplication app) => _app = app;

    /// <summary>The proxy's base address (no trailing slash).</summary>
    public string Url { get; private set; } = "";

    /// <summary>Completes when the first request has arrived (and is being held).</summary>
    public Task FirstRequest => _firstRequest.Task;

    /// <summary>Starts a proxy to <paramref name="target"/> (scheme, host and port; the request's path is kept).</summary>
    public static async Task<GatedProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var proxy = new GatedProxy(app);
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var destination = target.GetLeftPart(UriPartial.Authority);
        app.Run(async context =>
        {
            proxy._firstRequest.TrySetResult();
            await proxy._gate.Task.WaitAsync(context.RequestAborted);
            await forwarder.SendAsync(context, destination, proxy._invoker, ForwarderRequestConfig.Empty, HttpTransformer.Empty);
        });
        await app.StartAsync();
        proxy.Url = app.Urls.First().TrimEnd('/');
        return proxy;
    }

    /// <summary>Lets every held and future request through.</summary>
    public void Open() => _gate.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Open();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _invoker.Dispose();
    }
}
