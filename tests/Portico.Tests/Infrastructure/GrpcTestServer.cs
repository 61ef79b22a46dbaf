using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portico.Tests.Infrastructure;

/// <summary>A real Grpc.AspNetCore server on 127.0.0.1 over cleartext HTTP/2 (h2c), serving one service that shares <c>state</c> with the test.</summary>
internal static class GrpcTestServer
{
    /// <summary>Starts <typeparamref name="TService"/> with <paramref name="state"/> as a singleton; the app's first URL is its address.</summary>
    public static async Task<WebApplication> StartAsync<TService, TState>(TState state)
        where TService : class
        where TState : class
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(state);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync();
        return app;
    }
}
