using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.Cli.Demo;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.Cli.Serve;

/// <summary><c>portico serve</c>: runs the gateway on Kestrel, from a file (DB-less), Table storage, or the bundled demo.</summary>
internal static class ServeCommand
{
    /// <summary>The default address, the same as <c>func start</c>'s.</summary>
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, separated by ';'.", DefaultValueFactory = _ => DefaultUrls };
        var config = new Option<FileInfo?>("--config") { Description = "Serve the registry in this declarative file (DB-less mode); reloaded when it changes." };
        var storage = new Option<string?>("--storage") { Description = "Serve the registry in Table storage: a connection string or an account endpoint (managed identity / Azure login)." };
        var table = new Option<string?>("--table") { Description = "The registry table in Table mode (default PorticoRegistry)." };
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "Serve a registry without routes, and accept reloads that remove every route (Portico:Registry:AllowEmpty)." };
        var countersStorage = new Option<string?>("--counters-storage")
        {
            Description = "With --config: keep rate-limit counters and circuit breakers in this storage account (a connection string or an account endpoint), shared by every instance serving the same file.",
        };
        var demo = new Option<bool>("--demo") { Description = $"Serve the bundled demo configuration with its demo backends on {DemoBackends.DefaultUrl} (another free port when that one is taken)." };
        var certificate = new Option<FileInfo?>("--certificate") { Description = "Server certificate for https:// addresses: a PFX (password in PORTICO_CERTIFICATE_PASSWORD) or a PEM certificate." };
        var certificateKey = new Option<FileInfo?>("--certificate-key") { Description = "The PEM private key of a PEM --certificate, when not in the same file." };
        var clientCertificates = new Option<string>("--client-certificates")
        {
            Description = "Ask TLS clients for a certificate (for mtls policies): none, allow or require.",
            DefaultValueFactory = _ => "none",
        };
        clientCertificates.AcceptOnlyFromAmong("none", "allow", "require");
        var command = new Command("serve", "Run the gateway on Kestrel.") { urls, config, storage, table, countersStorage, demo, allowEmpty, certificate, certificateKey, clientCertificates };
        command.SetAction((parsed, ct) => RunAsync(
            parsed.GetRequiredValue(urls), parsed.GetValue(config), parsed.GetValue(storage), parsed.GetValue(countersStorage), parsed.GetValue(table), parsed.GetValue(demo), parsed.GetValue(allowEmpty),
            new TlsArguments(parsed.GetValue(certificate), parsed.GetValue(certificateKey), parsed.GetRequiredValue(clientCertificates)), output, error, ct));
        return command;
    }

    private static async Task<int> RunAsync(
        string urls, FileInfo? config, string? storage, string? countersStorage, string? table, bool demo, bool allowEmpty, TlsArguments tls, TextWriter output, TextWriter error, CancellationToken ct)
    {
        const string Command = "portico serve";
        var sources = (config is null ? 0 : 1) + (storage is null ? 0 : 1) + (demo ? 1 : 0);
        if (sources > 1)
        {
            await error.WriteLineAsync($"{Command}: choose one of --config, --storage or --demo.");
            return ExitCodes.Invalid;
        }

        if (ServeAddresses.Problem(urls, tls.Certificate is not null) is { } addressProblem)
        {
            await error.WriteLineAsync($"{Command}: {addressProblem}");
            return ExitCodes.Invalid;
        }

        foreach (var file in new[] { config, tls.Certificate, tls.CertificateKey })
        {
            if (file is not null && InputFile.Problem(file.ToString()) is { } fileProblem)
            {
                await error.WriteLineAsync($"{Command}: {fileProblem}");
                return ExitCodes.Unavailable;
            }
        }

        if (countersStorage is not null && config is null)
        {
            // With --storage the registry's account holds the counters already; the demo is one instance.
            await error.WriteLineAsync($"{Command}: --counters-storage goes with --config (with --storage, counters are kept in that account).");
            return ExitCodes.Invalid;
        }

        // The registry serializer's metadata is built on another thread while the host is built (docs/performance.md).
        _ = Task.Run(RegistrySerializer.Prepare, CancellationToken.None);

        var settings = new Dictionary<string, string?>();
        if (config is not null)
        {
            settings["Portico:Registry:File"] = config.ToString();
            if (countersStorage is not null)
            {
                // The registry stays the file (it wins over storage as the registry source); counters, heartbeats
                // and shared circuit breakers use the account.
                settings[StorageSetting(countersStorage)] = countersStorage;
            }
        }
        else if (storage is not null)
        {
            settings[StorageSetting(storage)] = storage;
            if (table is not null)
            {
                settings["Portico:Registry:TableName"] = table;
            }
        }

        if (allowEmpty)
        {
            settings["Portico:Registry:AllowEmpty"] = "true";
        }

        if (tls.Certificate is not null)
        {
            settings[ServeTls.CertificatePath] = tls.Certificate.FullName;
            settings[ServeTls.CertificateKeyPath] = tls.CertificateKey?.FullName;
            settings[ServeTls.CertificatePassword] = Environment.GetEnvironmentVariable("PORTICO_CERTIFICATE_PASSWORD");
            settings[ServeTls.ClientCertificates] = tls.ClientCertificates;
        }
        else if (tls.CertificateKey is not null)
        {
            await error.WriteLineAsync($"{Command}: --certificate-key needs --certificate (the key of a PEM server certificate).");
            return ExitCodes.Invalid;
        }
        else if (tls.ClientCertificates != "none")
        {
            await error.WriteLineAsync($"{Command}: --client-certificates needs --certificate (client certificates are asked for over TLS).");
            return ExitCodes.Invalid;
        }

        await using var backends = demo ? await DemoBackends.StartAsync(error, anyPortWhenTaken: true, ct) : null;
        using var demoDirectory = backends is null ? null : new TemporaryDirectory();
        if (backends is not null)
        {
            settings["Portico:Registry:File"] = await backends.RegistryFileAsync(demoDirectory!.Path, ct);
            if (backends.Url != DemoBackends.DefaultUrl)
            {
                await error.WriteLineAsync($"{Command}: {DemoBackends.DefaultUrl} is in use: the demo backends listen on {backends.Url} instead, and the demo registry points there.");
            }
        }

        // Failures below (an invalid registry, unreachable storage, a busy port) reach PorticoCommand, which prints one
        // line and the exit code; the host's own start-up error log, with its stack trace, is held back meanwhile.
        var startup = new StartupLogGate();
        await using var app = StandaloneHost.Build(settings, urls, startup: startup);
        await app.Services.InitializePorticoAsync(ct);
        await app.StartAsync(ct);
        startup.Open();

        // With JSON logs, standard output stays JSON lines only: the address line goes to standard error.
        var announce = StandaloneHost.LogsAsJson(app) ? error : output;
        foreach (var address in StandaloneHost.Addresses(app))
        {
            await announce.WriteLineAsync($"Portico listening on {address}");
        }

        var runtime = app.Services.GetRequiredService<RegistryRuntime>();
        if (runtime.Current.Routes.Routes.Length == 0 && !app.Services.GetRequiredService<IOptions<PorticoOptions>>().Value.Registry.AllowEmpty)
        {
            await error.WriteLineAsync($"{Command}: warning: the registry in {runtime.Store.Description} has no routes: every request answers 404. "
                + "Is the file or table name right? (--allow-empty makes this intended.)");
        }

        await app.WaitForShutdownAsync(ct);
        return ExitCodes.Ok;
    }

    /// <summary>The setting a storage argument goes to: an <c>https://</c> endpoint (managed identity) or a connection string.</summary>
    private static string StorageSetting(string storage) =>
        Storage.Tables.TableStorage.IsEndpoint(storage) ? "Portico:Storage:TableServiceUri" : "Portico:Storage:ConnectionString";

    private sealed record TlsArguments(FileInfo? Certificate, FileInfo? CertificateKey, string ClientCertificates);
}
