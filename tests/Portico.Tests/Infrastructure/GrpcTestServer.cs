using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A real Grpc.AspNetCore server on 127.0.0.1 over cleartext HTTP/2 (h2c), serving one service that shares
/// <see cref="Calls"/> (what it saw, and the signals it waits for) with the test. A backend derives from it, names its
/// service and state, and starts with <see cref="StartAsync{TBackend, TService}"/>.
/// </summary>
internal abstract class GrpcTestServer<TState> : IAsyncDisposable
    where TState : class
{
    private WebApplication? _app;

    protected GrpcTestServer(TState state)
    {
        Calls = state;
    }

    /// <summary>The server's address, without a trailing slash.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The state the service shares with the test (a singleton of the server).</summary>
    public TState Calls { get; }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Starts <typeparamref name="TService"/> for <paramref name="backend"/>, with its <see cref="Calls"/> as a singleton.</summary>
    protected static async Task<TBackend> StartAsync<TBackend, TService>(TBackend backend)
        where TBackend : GrpcTestServer<TState>
        where TService : class
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(backend.Calls);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync();
        backend._app = app;
        backend.Url = app.Urls.First().TrimEnd('/');
        return backend;
    }
}
