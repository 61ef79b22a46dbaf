using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Portico.Hosting;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Security;
using Portico.WebSockets;

namespace Portico.Cli.Serve;

/// <summary>
/// The standalone host behind <c>portico serve</c>: Kestrel with one terminal handler that gives every request
/// to <see cref="GatewayEngine"/>. It holds no gateway logic, so a request behaves as it does under Functions.
/// </summary>
internal static class StandaloneHost
{
    /// <summary>
    /// Builds the host; <paramref name="settings"/> become <c>Portico:*</c> configuration over appsettings and environment.
    /// With <paramref name="startup"/>, the generic host's own log is held back until it opens.
    /// </summary>
    public static WebApplication Build(IEnumerable<KeyValuePair<string, string?>> settings, string urls, Action<IServiceCollection>? configureServices = null, StartupLogGate? startup = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // Defaults of the standalone host, at the lowest priority so appsettings and environment variables override them.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                // JSON lines written off the request path; Portico__AccessLog__Output=Logger puts them back in the log.
                ["Portico:AccessLog:Output"] = "Stdout",
            },
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseKestrelHttpsConfiguration();
        ServeTls.Configure(builder);
        builder.WebHost.UseUrls(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var addressLimits = builder.Configuration.GetSection("Portico:AddressLimits").Get<Portico.AddressLimits.AddressLimitsOptions>() ?? new();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // The engine applies each route's body limit; Kestrel's own 30 MB default would cut in first.
            kestrel.Limits.MaxRequestBodySize = null;
            // Connection caps (total, and per client address) before any byte is read (issue 17).
            // HTTP/2 over cleartext needs an endpoint that speaks only HTTP/2 (prior knowledge, as gRPC clients use):
            // Kestrel answers a cleartext HTTP/2 preface on an HTTP/1.1-and-2 endpoint with HTTP_1_1_REQUIRED.
            var limits = ConnectionLimits.Configure(kestrel, addressLimits);
            var protocols = ServeProtocols.Parse(builder.Configuration[ServeProtocols.Setting]);
            if (protocols is not null || limits is not null)
            {
                // Kestrel keeps one set of endpoint defaults: the protocols and the connection middleware go in together.
                kestrel.ConfigureEndpointDefaults(listen =>
                {
                    listen.Protocols = protocols ?? listen.Protocols;
                    limits?.Invoke(listen);
                });
            }

            // Kestrel shortens some Connection headers; the gateway needs every option the client named.
            ConnectionHeaderCapture.Configure(kestrel);
        });
        ConfigureConsole(builder);
        if (startup is not null)
        {
            builder.Logging.AddFilter(StartupLogGate.HostCategory, startup.Allows);
        }

        builder.Services.AddPortico(builder.Configuration);
        builder.AddPorticoTelemetry();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        // The registry loads on another core while the engine's services are built on this one (issue 25,
        // docs/performance.md); the caller's InitializePorticoAsync joins the same load before the host listens.
        _ = Task.Run(() => app.Services.InitializePorticoAsync(), CancellationToken.None);
        // Requests Kestrel refuses never reach the engine; they still belong in the access log.
        var refusals = ServerRefusalLog.Subscribe(app.Services);
        app.Lifetime.ApplicationStopped.Register(refusals.Dispose);
        var engine = app.Services.GetRequiredService<GatewayEngine>();
        // Lets the engine accept WebSocket upgrades on routes that allow them (docs/protocols.md#websockets); the
        // middleware only offers the handshake, every decision stays in the engine. Pings are the endpoints' own.
        // Only requests that ask for a WebSocket pass through it (the ones the engine looks at the handshake of): it
        // gives every request it sees a handshake object, 64 bytes per plain request (issue 25).
        app.UseWhen(
            static context => WebSocketHandshake.IsRequested(context.Request),
            static branch => branch.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero }));
        app.Run(engine.InvokeAsync);
        return app;
    }

    /// <summary>
    /// The console log follows <c>Logging:Console</c>: <c>FormatterName=json</c> writes every log line as JSON, for log
    /// collectors (docs/observability.md). Without settings, the simple formatter writes one line per event with the
    /// time, and the JSON one an ISO 8601 UTC timestamp; <c>Logging:Console:FormatterOptions</c> settings win over both.
    /// </summary>
    private static void ConfigureConsole(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        bool IsSet(string option) => configuration["Logging:Console:FormatterOptions:" + option] is not null;
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        ScopelessConsoleLoggerProvider.Apply(builder.Services, ScopelessConsoleLoggerProvider.ScopesShown(configuration));
        builder.Services.Configure<SimpleConsoleFormatterOptions>(console =>
        {
            console.SingleLine = IsSet("SingleLine") ? console.SingleLine : true;
            console.TimestampFormat = IsSet("TimestampFormat") ? console.TimestampFormat : "HH:mm:ss ";
        });
        builder.Services.Configure<JsonConsoleFormatterOptions>(console =>
        {
            console.TimestampFormat = IsSet("TimestampFormat") ? console.TimestampFormat : "yyyy-MM-ddTHH:mm:ss.fffZ";
            console.UseUtcTimestamp = IsSet("UseUtcTimestamp") ? console.UseUtcTimestamp : true;
        });

        // The slim builder's own console set-up pins the simple formatter after the configuration is read, so the
        // configured formatter is applied again last (issue 22: FormatterName=json was ignored).
        builder.Services.PostConfigure<ConsoleLoggerOptions>(console =>
        {
            if (configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
            {
                console.FormatterName = formatter;
            }
        });
    }

    /// <summary>Whether console logs are JSON lines (<c>Logging:Console:FormatterName=json</c>): standard output then carries only JSON.</summary>
    public static bool LogsAsJson(WebApplication app) =>
        string.Equals(app.Configuration["Logging:Console:FormatterName"], ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase);

    /// <summary>The addresses Kestrel actually bound (resolves port 0).</summary>
    public static IReadOnlyCollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
