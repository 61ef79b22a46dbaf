using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portico.Functions;
using Portico.Hosting;
using Portico.Observability;

// The registry serializer's metadata is built on another thread while the worker's host is built (docs/performance.md).
_ = Task.Run(Portico.Configuration.RegistrySerializer.Prepare, CancellationToken.None);

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The host forwards requests of up to 100 MB; the worker's Kestrel would stop at about 28.6 MB.
builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024);

// The Functions host reaches this worker over loopback and appends the client to X-Forwarded-For: trust that hop.
builder.Services.AddPortico(builder.Configuration, options =>
{
    if (options.ForwardedHeaders.TrustedProxies.Count == 0)
    {
        options.ForwardedHeaders.TrustedProxies.AddRange(["127.0.0.1", "::1"]);
    }

    // One timer for the whole app probes the destinations and shares their health through Table storage, instead of
    // every instance probing every destination (docs/discovery.md). Without Table storage each instance probes itself.
    options.ActiveHealth.Mode ??= options.Storage.IsConfigured ? Portico.Discovery.ActiveHealthOptions.Shared : Portico.Discovery.ActiveHealthOptions.Local;
});

// Log levels, traces and metrics as in `portico serve`: every log event goes to the host over gRPC and on to Application
// Insights, so framework chatter stays out. In Azure the Bicep templates set APPLICATIONINSIGHTS_CONNECTION_STRING; the
// worker's own instrumentation joins the host's traces (host.json sets telemetryMode OpenTelemetry).
builder.AddPorticoTelemetry(telemetry => telemetry.UseFunctionsWorkerDefaults());

var app = builder.Build();

// Load the registry before the worker connects to the host: the host sends requests as soon as the worker reports its
// functions loaded, and they must find the gateway configured (portico serve loads it before listening, too).
try
{
    await app.Services.InitializePorticoAsync();
}
catch (Exception ex) when (StartupFailure.Report(ex, Console.Error) is { } exitCode)
{
    return exitCode;
}

await app.RunAsync();
return 0;
