using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Hosting;
using Portico.Observability;
using Portico.Pipeline;

namespace Portico.Cli.Serve;

/// <summary>
/// The standalone host behind <c>portico serve</c>: Kestrel with one terminal handler that gives every request
/// to <see cref="GatewayEngine"/>. It holds no gateway logic, so a request behaves as it does under Functions.
/// </summary>
internal static class StandaloneHost
{
    /// <summary>Builds the host; <paramref name="settings"/> become <c>Portico:*</c> configuration over appsettings and environment.</summary>
    public static WebApplication Build(IEnumerable<KeyValuePair<string, string?>> settings, string urls, Action<IServiceCollection>? configureServices = null)
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
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The engine applies each route's body limit; Kestrel's own 30 MB default would cut in first.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });

        builder.Services.AddPortico(builder.Configuration);
        builder.AddPorticoTelemetry();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        var engine = app.Services.GetRequiredService<GatewayEngine>();
        app.Run(engine.InvokeAsync);
        return app;
    }

    /// <summary>The addresses Kestrel actually bound (resolves port 0).</summary>
    public static IReadOnlyCollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
