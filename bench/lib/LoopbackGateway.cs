using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Hosting;
using Portico.Pipeline;

namespace Portico.Bench;

/// <summary>
/// A Portico gateway inside a benchmark's own process: the engine behind Kestrel on 127.0.0.1 (a port the system
/// picks), logging off, started the way <c>portico serve</c> starts it (registry loaded before the first request).
/// </summary>
internal static class LoopbackGateway
{
    /// <summary>
    /// Starts a gateway with <paramref name="options"/>; <paramref name="configure"/> adds to or overrides its services
    /// and Kestrel (endpoints it names replace the default one). The app's <c>Urls</c> are its bound addresses.
    /// </summary>
    public static async Task<WebApplication> StartAsync(Action<PorticoOptions> options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddPortico(options);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.Run(app.Services.GetRequiredService<GatewayEngine>().InvokeAsync);
        await app.Services.InitializePorticoAsync();
        await app.StartAsync();
        return app;
    }
}
