using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Portico.Functions;
using Portico.Hosting;
using Portico.Observability;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Log levels by default, at the lowest priority so app settings (Logging__LogLevel__...) override them. Every event goes
// to the host over gRPC and on to Application Insights: framework chatter (two routing events per request) stays out,
// as under portico serve. ASP.NET Core creates an Activity and a log scope per request whenever the hosting diagnostics
// category is enabled at any level; the worker has no use for them (OpenTelemetry, when configured, listens for its own).
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:Yarp"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    },
});

// The host forwards requests of up to 100 MB; the worker's Kestrel would stop at about 28.6 MB.
builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024);

// The Functions host reaches this worker over loopback and appends the client to X-Forwarded-For: trust that hop.
builder.Services.AddPortico(builder.Configuration, options =>
{
    if (options.ForwardedHeaders.TrustedProxies.Count == 0)
    {
        options.ForwardedHeaders.TrustedProxies.AddRange(["127.0.0.1", "::1"]);
    }
});

// Traces, metrics and logs to Application Insights through OpenTelemetry, authenticated with the app's managed
// identity (the resource has local authentication disabled). Without a connection string (local runs) nothing
// is exported.
if (builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connectionString)
{
    var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = builder.Configuration["AZURE_CLIENT_ID"] });
    void Configure(AzureMonitorExporterOptions exporter)
    {
        exporter.ConnectionString = connectionString;
        exporter.Credential = credential;
    }

    builder.Services.AddOpenTelemetry()
        .UseFunctionsWorkerDefaults()
        .WithTracing(tracing => tracing.AddSource(PorticoTelemetry.Name, "System.Net.Http").AddAzureMonitorTraceExporter(Configure))
        .WithMetrics(metrics => metrics.AddMeter(PorticoTelemetry.Name).AddAzureMonitorMetricExporter(Configure));
    builder.Logging.AddOpenTelemetry(logging => logging.AddAzureMonitorLogExporter(Configure));
}

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
