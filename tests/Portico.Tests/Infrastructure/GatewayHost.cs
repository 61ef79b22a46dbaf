using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Portico.Cli.Serve;
using Portico.Hosting;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// Portico's standalone host (the same code as <c>portico serve</c>) on 127.0.0.1 with an ephemeral port,
/// reached over a real socket, with its logs captured.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly TempDirectory? _directory;

    private GatewayHost(WebApplication app, TestLogSink logs, TempDirectory? directory, string? configPath)
    {
        App = app;
        Logs = logs;
        _directory = directory;
        ConfigPath = configPath;
        Url = StandaloneHost.Addresses(app).First().TrimEnd('/');
        Client = CreateClient(Url);
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public TestLogSink Logs { get; }

    public string Url { get; }

    public HttpClient Client { get; }

    /// <summary>The registry file, in file mode.</summary>
    public string? ConfigPath { get; }

    /// <summary>A client that behaves like curl: no redirects, cookies, decompression or proxy.</summary>
    public static HttpClient CreateClient(string baseUrl) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Starts a gateway serving <paramref name="registryJson"/> from a file (DB-less mode).</summary>
    public static async Task<GatewayHost> StartWithFileAsync(string registryJson, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string urls = "http://127.0.0.1:0")
    {
        var directory = new TempDirectory();
        var path = directory.File("portico.json");
        await File.WriteAllTextAsync(path, registryJson);
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Portico:Registry:File"] = path,
        };
        return await StartAsync(all, directory, path, services, urls);
    }

    /// <summary>Starts a gateway reading its registry from Table storage.</summary>
    public static Task<GatewayHost> StartWithTableAsync(string connectionString, string tableName, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Portico:Storage:ConnectionString"] = connectionString,
            ["Portico:Registry:TableName"] = tableName,
        };
        return StartAsync(all, null, null, services);
    }

    /// <summary>Replaces the registry file (write to a temporary name, then rename, as deployment tools do).</summary>
    public async Task WriteConfigAsync(string registryJson)
    {
        var temp = ConfigPath + ".new";
        await File.WriteAllTextAsync(temp, registryJson);
        File.Move(temp, ConfigPath!, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _directory?.Dispose();
    }

    private static async Task<GatewayHost> StartAsync(Dictionary<string, string?> settings, TempDirectory? directory, string? path, Action<IServiceCollection>? configure, string urls = "http://127.0.0.1:0")
    {
        var logs = new TestLogSink();
        settings.TryAdd("Logging:LogLevel:Default", "Information");
        settings.TryAdd("Portico:AccessLog:Output", "Logger"); // captured by TestLogSink
        var app = StandaloneHost.Build(settings, urls, services =>
        {
            services.RemoveAll<ILoggerProvider>(); // no console noise in test output
            services.AddSingleton<ILoggerProvider>(logs);
            configure?.Invoke(services);
        });
        await app.Services.InitializePorticoAsync();
        await app.StartAsync();
        return new GatewayHost(app, logs, directory, path);
    }
}
