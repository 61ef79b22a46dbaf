using System.Runtime.CompilerServices;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portico.Admin;
using Portico.Hosting;

namespace Portico.Observability;

/// <summary>
/// Logs, traces and metrics wired the same way in both hosts, so a request is observed alike under Azure Functions
/// and <c>portico serve</c>. Exporters are chosen by the standard settings: <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// (Application Insights through OpenTelemetry, authenticated with the managed identity) and
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (any OTLP receiver); with neither, nothing listens and spans cost nothing.
/// <c>Portico:Prometheus:Enabled</c> adds a scrape endpoint for the metrics (<see cref="PrometheusEndpoint"/>).
/// </summary>
public static class PorticoTelemetryExtensions
{
    /// <summary>The sources whose spans are exported: the gateway's, ASP.NET Core's request span and outgoing HTTP.</summary>
    public static readonly string[] ActivitySources = [PorticoTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http"];

    /// <summary>The meters exported: the gateway's, ASP.NET Core hosting's and HttpClient's.</summary>
    public static readonly string[] Meters = [PorticoTelemetry.Name, "Microsoft.AspNetCore.Hosting", "System.Net.Http"];

    private static readonly Dictionary<string, string?> LogLevelDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:Yarp"] = "Warning",

        // YARP's forwarder logs every failed forward at Warning with the exception's stack (event 48, about 600 bytes),
        // an open circuit's or a full bulkhead's refusal included. Portico logs each failure once itself (event 20, or
        // 402/408/409 where the resilience pipeline decided), so the forwarder's copy is off (issue 23).
        ["Logging:LogLevel:Yarp.ReverseProxy.Forwarder.HttpForwarder"] = "Error",
    };

    /// <summary>Adds Portico's logging defaults and, when an exporter or Prometheus is configured, OpenTelemetry.</summary>
    /// <remarks>
    /// This overload names no OpenTelemetry type, so a host that configures no exporter never loads OpenTelemetry's
    /// assemblies (start-up time, issue 25); <c>portico serve</c> calls it.
    /// </remarks>
    public static IHostApplicationBuilder AddPorticoTelemetry(this IHostApplicationBuilder builder)
    {
        if (AddLoggingDefaults(builder))
        {
            AddOpenTelemetry(builder, configureHost: null);
        }

        return builder;
    }

    /// <summary>
    /// Adds Portico's logging defaults and, when an exporter is configured, OpenTelemetry. <paramref name="configureHost"/>
    /// lets a host add what only it has (the Functions worker's own instrumentation), and runs only when exporting.
    /// </summary>
    public static IHostApplicationBuilder AddPorticoTelemetry(this IHostApplicationBuilder builder, Action<OpenTelemetryBuilder> configureHost)
    {
        if (AddLoggingDefaults(builder))
        {
            AddOpenTelemetry(builder, configureHost);
        }

        return builder;
    }

    /// <summary>The logging defaults; true when an exporter or the Prometheus endpoint is configured, so OpenTelemetry is needed.</summary>
    private static bool AddLoggingDefaults(IHostApplicationBuilder builder)
    {
        // Default log levels at the lowest priority, so appsettings and environment variables (Logging__LogLevel__…)
        // override them: the gateway's own events, framework warnings, and none of the framework's per-request chatter
        // (routing's two events per request would reach Application Insights under Functions).
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = LogLevelDefaults });

        // ASP.NET Core creates an Activity and a log scope per request whenever this category is enabled at any
        // level; nothing reads them (OpenTelemetry, when configured, listens for its own).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var configuration = builder.Configuration;
        return !string.IsNullOrEmpty(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"])
            || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || PrometheusEnabled(configuration);
    }

    private static bool PrometheusEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool>($"{PorticoOptions.SectionName}:{nameof(PorticoOptions.Prometheus)}:{nameof(PrometheusOptions.Enabled)}");

    // Everything that names an OpenTelemetry type is in here and below, apart from the overload that takes the host's
    // callback: the assemblies load only when this runs. The callback travels as a Delegate for the same reason.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOpenTelemetry(IHostApplicationBuilder builder, Delegate? configureHost)
    {
        var configuration = builder.Configuration;
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var prometheus = PrometheusEnabled(configuration);
        var exporting = !string.IsNullOrEmpty(appInsights) || !string.IsNullOrEmpty(otlp);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName(configuration)))
            .WithMetrics(metrics => metrics.AddMeter(Meters));
        if (prometheus)
        {
            AddPrometheus(builder, telemetry);
        }

        if (!exporting)
        {
            // Metrics only: no tracer provider, so requests still create no spans.
            return;
        }

        telemetry.WithTracing(tracing => tracing.AddSource(ActivitySources));
        ((Action<OpenTelemetryBuilder>?)configureHost)?.Invoke(telemetry);
        if (!string.IsNullOrEmpty(appInsights))
        {
            AddAzureMonitor(builder, telemetry, appInsights);
        }

        if (!string.IsNullOrEmpty(otlp))
        {
            AddOtlp(builder, telemetry);
        }
    }

    /// <summary><c>OTEL_SERVICE_NAME</c>, else the Function app's name (Application Insights' cloud role), else <c>portico</c>.</summary>
    internal static string ServiceName(IConfiguration configuration) =>
        configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name
        : configuration["WEBSITE_SITE_NAME"] is { Length: > 0 } site ? site
        : "portico";

    // Exporters live in their own methods so their assemblies load only when they are configured (start-up time).
    private static void AddAzureMonitor(IHostApplicationBuilder builder, OpenTelemetryBuilder telemetry, string connectionString)
    {
        // The Application Insights resource has local (key) authentication disabled: sign in with the managed identity.
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = builder.Configuration["AZURE_CLIENT_ID"] });
        void Configure(AzureMonitorExporterOptions exporter)
        {
            exporter.ConnectionString = connectionString;
            exporter.Credential = credential;
        }

        telemetry
            .WithTracing(tracing => tracing.AddAzureMonitorTraceExporter(Configure))
            .WithMetrics(metrics => metrics.AddAzureMonitorMetricExporter(Configure));
        builder.Logging.AddOpenTelemetry(logging => logging.AddAzureMonitorLogExporter(Configure));
    }

    private static void AddPrometheus(IHostApplicationBuilder builder, OpenTelemetryBuilder telemetry)
    {
        telemetry.WithMetrics(metrics => metrics.AddPrometheusExporter());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, PrometheusEndpoint>());
    }

    private static void AddOtlp(IHostApplicationBuilder builder, OpenTelemetryBuilder telemetry)
    {
        telemetry
            .WithTracing(tracing => tracing.AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddOtlpExporter());
        builder.Logging.AddOpenTelemetry(logging => logging.AddOtlpExporter());
    }
}
