using Portico.Functions.TestHost;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Infrastructure;

/// <summary>
/// Portico's Functions app as built (<c>src/Portico.Functions</c>), its real worker process running under the test
/// host, reached over a real socket. Settings become the worker's app settings (environment variables).
/// </summary>
public sealed class FunctionsGateway : IAsyncDisposable
{
    private readonly TempDirectory? _directory;

    private FunctionsGateway(FunctionsTestHost host, TempDirectory? directory, string? configPath)
    {
        Host = host;
        _directory = directory;
        ConfigPath = configPath;
        Client = CreateClient(host.Url);
    }

    /// <summary>The Functions app's build output, of the configuration these tests were built in.</summary>
    public static string AppDirectory { get; } = Repository.Path("src", "Portico.Functions", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0");

    public FunctionsTestHost Host { get; }

    public string Url => Host.Url;

    public string Authority => new Uri(Host.Url).Authority;

    /// <summary>A client that behaves like curl: no redirects, cookies, decompression or proxy.</summary>
    public HttpClient Client { get; }

    /// <summary>The registry file, in file mode.</summary>
    public string? ConfigPath { get; }

    /// <summary>The host's log (worker console, the worker's logs over gRPC, the host's own lines), for failure messages.</summary>
    public string Log => Host.Log.ToString();

    /// <summary>A client that behaves like curl (the same as for <c>portico serve</c>'s tests).</summary>
    public static HttpClient CreateClient(string baseUrl) => GatewayHost.CreateClient(baseUrl);

    /// <summary>The options for the app with these settings, for tests that drive the host themselves.</summary>
    public static FunctionsTestHostOptions Options(IDictionary<string, string?> settings) => new()
    {
        AppDirectory = AppDirectory,
        AppSettings = new Dictionary<string, string?>(settings)
        {
            // As local.settings.sample.json sets it for Core Tools.
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
        },
    };

    /// <summary>Starts the app serving <paramref name="registryJson"/> from a file (DB-less mode).</summary>
    public static async Task<FunctionsGateway> StartWithFileAsync(string registryJson, IDictionary<string, string?>? settings = null)
    {
        var directory = new TempDirectory();
        var path = directory.File("portico.json");
        await File.WriteAllTextAsync(path, registryJson);
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Portico__Registry__File"] = path };
        try
        {
            return new FunctionsGateway(await FunctionsTestHost.StartAsync(Options(all)), directory, path);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Starts the app reading its registry from Table storage.</summary>
    public static async Task<FunctionsGateway> StartWithTableAsync(string connectionString, string tableName, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Portico__Storage__ConnectionString"] = connectionString,
            ["Portico__Registry__TableName"] = tableName,
        };
        return new FunctionsGateway(await FunctionsTestHost.StartAsync(Options(all)), null, null);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        _directory?.Dispose();
    }
}
