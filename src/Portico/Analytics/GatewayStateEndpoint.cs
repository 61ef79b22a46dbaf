using System.Buffers;
using System.Text.Json;
using Portico.Admin;
using Portico.Pipeline;
using Portico.RateLimiting;
using Portico.Registry;
using Polly.CircuitBreaker;

namespace Portico.Analytics;

/// <summary>
/// <c>GET {prefix}/admin/state</c>: this instance's live protection state, for the dashboard: each backend's circuit
/// breaker (closed, open until when, half-open) and whether shared rate-limit counters are reachable.
/// </summary>
internal sealed class GatewayStateEndpoint(RegistryRuntime runtime, RateLimiter limiter) : IPorticoEndpoint
{
    public string Path => "/admin/state";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public Task HandleAsync(GatewayContext context)
    {
        var snapshot = runtime.Current;
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("revision", snapshot.Revision);
            writer.WriteStartObject("rateLimiting");
            writer.WriteString("counterStorage", !limiter.SharedUsed ? "unused" : limiter.Health.IsDegraded ? "degraded" : "healthy");
            writer.WriteNumber("trackedKeys", limiter.TrackedKeys);
            writer.WriteEndObject();
            writer.WriteStartArray("circuitBreakers");
            foreach (var backend in snapshot.Backends.Values.OrderBy(b => b.Id, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("backend", backend.Id);
                var breaker = backend.Resilience?.Breaker;
                writer.WriteString("state", breaker is null ? "none" : Name(breaker.State));
                if (breaker?.OpenUntil is { } until)
                {
                    writer.WriteString("openUntil", until);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return AdminJson.WriteAsync(context.HttpContext, buffer);
    }

    private static string Name(CircuitState state) => state switch
    {
        CircuitState.Open or CircuitState.Isolated => "open",
        CircuitState.HalfOpen => "half-open",
        _ => "closed",
    };
}
