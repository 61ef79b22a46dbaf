using System.Buffers;
using System.Text.Json;
using Portico.Admin;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Proxy;
using Portico.Registry;

namespace Portico.Discovery;

/// <summary>
/// <c>GET {prefix}/admin/backends</c> (and <c>/admin/backends/{id}</c>): every backend of the live snapshot with its
/// circuit, and for a backend with destinations its policy and each destination's weight, metadata, source, health
/// (ejected until when, how often; active health when probed), requests in flight and picks on this instance. The shape is documented in
/// docs/discovery.md and only grows.
/// </summary>
internal sealed class BackendsEndpoint(RegistryRuntime runtime, TimeProvider time) : IPorticoEndpoint
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public string Path => "/admin/backends";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public bool IsSubtree => true;

    public Task HandleAsync(GatewayContext context)
    {
        var backends = runtime.Current.Backends;
        var id = context.EndpointSubpath.TrimStart('/');
        CompiledBackend? one = null;
        if (id.Length > 0 && !backends.TryGetValue(id, out one))
        {
            return ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.BackendNotFound);
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

        writer.WriteString("policy", cluster.Policy.Name);
        writer.WriteBoolean("failOpen", cluster.FailOpen);
        writer.WriteStartArray("destinations");
        foreach (var destination in cluster.Destinations)
        {
            writer.WriteStartObject();
            writer.WriteString("url", destination.Url);
            writer.WriteNumber("weight", destination.Weight);
            writer.WriteStartObject("metadata");
            foreach (var (name, value) in destination.Metadata)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteString("source", destination.Source);
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

    private static string CircuitText(Polly.CircuitBreaker.CircuitState state) => state switch
    {
        Polly.CircuitBreaker.CircuitState.Open or Polly.CircuitBreaker.CircuitState.Isolated => "open",
        Polly.CircuitBreaker.CircuitState.HalfOpen => "half-open",
        _ => "closed",
    };
}
