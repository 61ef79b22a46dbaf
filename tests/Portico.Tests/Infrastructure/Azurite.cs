using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Portico.Storage.Tables;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// Real Table storage for tests: the Azurite the test command started (PORTICO_TEST_AZURITE_TABLE_ENDPOINT), or one
/// started here from the npm-installed binary. Tests isolate themselves with fresh table names.
/// </summary>
public static class Azurite
{
    /// <summary>Azurite's published development account; not a secret.</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<string>> SharedEndpoint = new(StartSharedAsync);

    private static readonly Lazy<Task<string>> SharedBlobEndpoint = new(StartSharedBlobAsync);

    /// <summary>The connection string of the shared instance.</summary>
    public static async Task<string> ConnectionStringAsync() => ConnectionStringFor(await SharedEndpoint.Value);

    public static string ConnectionStringFor(string tableEndpoint) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint={tableEndpoint};";

    /// <summary>The connection string of the shared Blob service (the test command's, or one started here).</summary>
    public static async Task<string> BlobConnectionStringAsync() =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={await SharedBlobEndpoint.Value};";

    /// <summary>A blob container name no other test uses.</summary>
    public static string NewContainerName(string prefix = "c") => prefix + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A table name no other test uses.</summary>
    public static string NewTableName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    public static async Task<TableServiceClient> ServiceClientAsync() => TableStorage.CreateServiceClient(await ConnectionStringAsync());

    /// <summary>Path of the azurite-table (or, with <paramref name="service"/> <c>blob</c>, azurite-blob) binary installed by the test command.</summary>
    public static string BinaryPath(string service = "table")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PORTICO_TEST_AZURITE_BIN");
        if (service == "table" && !string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "azurite", "node_modules", ".bin", "azurite-" + service);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Azurite is not installed: run the repository's test command (./test.sh), which installs it from npm.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> StartSharedAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("PORTICO_TEST_AZURITE_TABLE_ENDPOINT");
        if (!string.IsNullOrEmpty(endpoint))
        {
            return endpoint;
        }

        // Not started by the test command (for example `dotnet test` alone): start one for this test run.
        var instance = await AzuriteProcess.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => instance.Kill();
        return instance.TableEndpoint;
    }

    private static async Task<string> StartSharedBlobAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("PORTICO_TEST_AZURITE_BLOB_ENDPOINT");
        if (!string.IsNullOrEmpty(endpoint))
        {
            return endpoint;
        }

        var instance = await AzuriteProcess.StartAsync("blob");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => instance.Kill();
        return instance.TableEndpoint;
    }
}
