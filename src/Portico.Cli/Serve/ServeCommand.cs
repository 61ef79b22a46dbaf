using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.Cli.Demo;
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
        var demo = new Option<bool>("--demo") { Description = $"Serve the bundled demo configuration with its demo backends on {DemoBackends.DefaultUrl}." };
        var certificate = new Option<FileInfo?>("--certificate") { Description = "Server certificate for https:// addresses: a PFX (password in PORTICO_CERTIFICATE_PASSWORD) or a PEM certificate." };
        var certificateKey = new Option<FileInfo?>("--certificate-key") { Description = "The PEM private key of a PEM --certificate, when not in the same file." };
        var clientCertificates = new Option<string>("--client-certificates")
        {
            Description = "Ask TLS clients for a certificate (for mtls policies): none, allow or require.",
            DefaultValueFactory = _ => "none",
        };
        clientCertificates.AcceptOnlyFromAmong("none", "allow", "require");
        var command = new Command("serve", "Run the gateway on Kestrel.") { urls, config, storage, table, demo, certificate, certificateKey, clientCertificates };
        command.SetAction((parsed, ct) => RunAsync(
            parsed.GetRequiredValue(urls), parsed.GetValue(config), parsed.GetValue(storage), parsed.GetValue(table), parsed.GetValue(demo),
            new TlsArguments(parsed.GetValue(certificate), parsed.GetValue(certificateKey), parsed.GetRequiredValue(clientCertificates)), output, error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string urls, FileInfo? config, string? storage, string? table, bool demo, TlsArguments tls, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var sources = (config is null ? 0 : 1) + (storage is null ? 0 : 1) + (demo ? 1 : 0);
        if (sources > 1)
        {
            await error.WriteLineAsync("portico serve: choose one of --config, --storage or --demo.");
            return ExitCodes.Invalid;
        }

        var settings = new Dictionary<string, string?>();
        if (config is not null)
        {
            settings["Portico:Registry:File"] = config.ToString();
        }
        else if (storage is not null)
        {
            settings[Storage.Tables.TableStorage.IsEndpoint(storage) ? "Portico:Storage:TableServiceUri" : "Portico:Storage:ConnectionString"] = storage;
            if (table is not null)
            {
                settings["Portico:Registry:TableName"] = table;
            }
        }
        else if (demo)
        {
            settings["Portico:Registry:File"] = DemoBackends.ConfigurationPath;
        }

        if (tls.Certificate is not null)
        {
            settings[ServeTls.CertificatePath] = tls.Certificate.FullName;
            settings[ServeTls.CertificateKeyPath] = tls.CertificateKey?.FullName;
            settings[ServeTls.CertificatePassword] = Environment.GetEnvironmentVariable("PORTICO_CERTIFICATE_PASSWORD");
            settings[ServeTls.ClientCertificates] = tls.ClientCertificates;
        }
        else if (tls.ClientCertificates != "none")
        {
            await error.WriteLineAsync("portico serve: --client-certificates needs --certificate (client certificates are asked for over TLS).");
            return ExitCodes.Invalid;
        }

        await using var backends = demo ? await DemoBackends.StartAsync(error, ct) : null;
        if (demo && backends is null)
        {
            return ExitCodes.Unavailable;
        }

        var (built, exitCode) = await BuildAsync(settings, urls, error, ct);
        if (built is null)
        {
            return exitCode;
        }

        await using var app = built;
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"portico serve: cannot listen on {urls}: {ex.Message}");
            return ExitCodes.Unavailable;
        }

        foreach (var address in StandaloneHost.Addresses(app))
        {
            await output.WriteLineAsync($"Portico listening on {address}");
        }

        await app.WaitForShutdownAsync(ct);
        return ExitCodes.Ok;
    }

    /// <summary>Builds the host and loads the registry; null (with the reason written) when it cannot start.</summary>
    private static async Task<(Microsoft.AspNetCore.Builder.WebApplication? App, int ExitCode)> BuildAsync(Dictionary<string, string?> settings, string urls, TextWriter error, CancellationToken ct)
    {
        Microsoft.AspNetCore.Builder.WebApplication? app = null;
        int exitCode;
        try
        {
            app = StandaloneHost.Build(settings, urls);
            await app.Services.InitializePorticoAsync(ct);
            return (app, ExitCodes.Ok);
        }
        catch (RegistryLoadException ex)
        {
            await error.WriteLineAsync(ex.Message);
            exitCode = ex.Errors.Count > 0 ? ExitCodes.Invalid : ExitCodes.Unavailable;
        }
        catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync($"portico serve: {ex.Message}");
            exitCode = ExitCodes.Invalid;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync($"portico serve: {failure}");
            }

            await error.WriteLineAsync("Pass --config FILE, --storage CONNECTION_OR_ENDPOINT or --demo.");
            exitCode = ExitCodes.Invalid;
        }

        if (app is not null)
        {
            await app.DisposeAsync();
        }

        return (null, exitCode);
    }

    private sealed record TlsArguments(FileInfo? Certificate, FileInfo? CertificateKey, string ClientCertificates);
}
