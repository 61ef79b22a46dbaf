using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portico.Hosting;
using Portico.Observability;

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
});

// Logs, traces and metrics as in `portico serve`; in Azure the Bicep templates set APPLICATIONINSIGHTS_CONNECTION_STRING.
// The worker's own instrumentation joins the host's traces (host.json sets telemetryMode OpenTelemetry).
builder.AddPorticoTelemetry(telemetry => telemetry.UseFunctionsWorkerDefaults());

builder.Build().Run();
