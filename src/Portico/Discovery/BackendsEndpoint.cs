using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Admin;
using Portico.Discovery.Sources;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Proxy;
using Portico.Registry;

namespace Portico.Discovery;

/// <summary>
/// <c>GET {prefix}/admin/backends</c> (and <c>/admin/backends/{id}</c>): every backend of the live snapshot with its
/// circuit, and for a backend with destinations its policy and each destination's weight, metadata, source, health
/// (ejected until when, how often; active health when probed), requests in flight and picks on this instance, and its discovery source's state.
/// The shape is documented in docs/discovery.md and only grows. <c>/admin/backends/{id}/instances</c> is the
/// registration API (<see cref="InstanceRegistrations"/>).
/// </summary>
internal sealed class BackendsEndpoint(RegistryRuntime runtime, TimeProvider time, InstanceRegistrations registrations) : IPorticoEndpoint
{
    /// <summary>The path under a backend's that is the registration API.</summary>
    public const string InstancesPath = "/instances";

    /// <summary>The endpoint's path under the Portico prefix.</summary>
    public const string EndpointPath = "/admin/backends";

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    private static readonly string[] AllMethods = [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete];

    public string Path => EndpointPath;

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public bool IsSubtree => true;

    public IReadOnlyList<string> Methods => AllMethods;

    public Task HandleAsync(GatewayContext context)
    {
        var backends = runtime.Current.Backends;
        var id = context.EndpointSubpath.TrimStart('/');
        var instances = id.EndsWith(InstancesPath, StringComparison.Ordinal);
        id = instances ? id[..^InstancesPath.Length] : id;
        var method = context.HttpContext.Request.Method;
        if (!instances && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            context.HttpContext.Response.Headers.Allow = "GET, HEAD";
            return ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.MethodNotAllowed);
        }

        CompiledBackend? one = null;
        if ((id.Length > 0 || instances) && !backends.TryGetValue(id, out one))
        {
            return ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.BackendNotFound);
        }

        if (instances)
        {
            return registrations.HandleAsync(context, one!);
        }

        var now = time.GetUtcNow();
        var buffer = new ArrayBufferWriter<byte>(4 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            if (one is not null)
            {
                Write(writer, one, now);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteStartArray("backends");
                foreach (var backend in backends.Values.OrderBy(b => b.Id, StringComparer.Ordinal))
                {
                    Write(writer, backend, now);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }
        }

        var response = context.HttpContext.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    private static void Write(Utf8JsonWriter writer, CompiledBackend backend, DateTimeOffset now)
    {
        writer.WriteStartObject();
        writer.WriteString("id", backend.Id);
        writer.WriteString("circuit", backend.Resilience is { } resilience ? CircuitText(resilience.CircuitState) : "off");
        if (backend.Cluster is not { } cluster)
        {
            writer.WriteString("url", backend.Definition.Url);
            writer.WriteEndObject();
            return;
        }

        var set = cluster.Current;
        writer.WriteString("policy", set.Policy.Name);
        writer.WriteBoolean("failOpen", cluster.FailOpen);
        if (cluster.Source is { } source)
        {
            writer.WriteStartObject("discovery");
            writer.WriteString("type", source.Name);
            writer.WriteNumber("destinations", source.Current.Destinations.Count);
            if (source.LastRefresh is { } refreshed)
            {
                writer.WriteString("lastRefresh", refreshed);
            }

            if (source.LastError is { } error)
            {
                writer.WriteString("lastError", error);
            }

            writer.WriteEndObject();
        }

        writer.WriteStartArray("destinations");
        foreach (var destination in set.Destinations)
        {
            writer.WriteStartObject();
            WriteAddress(writer, destination.Url, destination.Weight, destination.Metadata);
            writer.WriteString("source", destination.Source);
            if (destination.LastSeen is { } seen)
            {
                writer.WriteString("lastSeen", seen);
            }

            var ejectedUntil = destination.Health?.EjectedUntil;
            writer.WriteString("health", destination.Health is null ? "unchecked" : ejectedUntil is null ? "healthy" : "ejected");
            if (ejectedUntil is { } until)
            {
                writer.WriteString("ejectedUntil", until);
            }

            writer.WriteNumber("ejections", destination.Health?.Ejections ?? 0);
            if (destination.Active?.Report() is { } active)
            {
                WriteActive(writer, active);
            }

            writer.WriteNumber("inFlight", destination.InFlight);
            writer.WriteNumber("picks", destination.Picks);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The destination's active health: <c>status</c> (<c>unknown</c>, <c>healthy</c>, <c>unhealthy</c>), the probe runs in a row, the last probe.</summary>
    private static void WriteActive(Utf8JsonWriter writer, ActiveHealthReport active)
    {
        writer.WriteStartObject("active");
        writer.WriteString("status", ActiveHealthText.Of(active.Status));
        writer.WriteNumber("consecutivePasses", active.ConsecutivePasses);
        writer.WriteNumber("consecutiveFailures", active.ConsecutiveFailures);
        if (active.LastProbe is { } last)
        {
            writer.WriteString("lastProbe", last);
            writer.WriteString("lastOutcome", active.LastOutcome);
            if (active.LastStatus != 0)
            {
                writer.WriteNumber("lastStatus", active.LastStatus);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>A destination's <c>url</c>, <c>weight</c> and <c>metadata</c> members, as this view and the registration API write them.</summary>
    public static void WriteAddress(Utf8JsonWriter writer, string url, int weight, IReadOnlyDictionary<string, string> metadata)
    {
        writer.WriteString("url", url);
        writer.WriteNumber("weight", weight);
        writer.WriteStartObject("metadata");
        foreach (var (name, value) in metadata)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
    }

    private static string CircuitText(Polly.CircuitBreaker.CircuitState state) => state switch
    {
        Polly.CircuitBreaker.CircuitState.Open or Polly.CircuitBreaker.CircuitState.Isolated => "open",
        Polly.CircuitBreaker.CircuitState.HalfOpen => "half-open",
        _ => "closed",
    };
}
