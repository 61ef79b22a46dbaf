using System.Buffers;
using System.Text.Json;
using Portico.Admin;
using Portico.Pipeline;
using Portico.Storage;

namespace Portico.Analytics;

/// <summary>
/// <c>GET {prefix}/admin/instances</c>: the gateway instances that beat their heartbeat in the last
/// <see cref="LiveWindow"/> (every instance writes one a minute to the analytics table), this one always included.
/// </summary>
internal sealed class InstancesEndpoint(AnalyticsFlusher flusher, AnalyticsRecorder recorder, TimeProvider time) : IPorticoEndpoint
{
    /// <summary>How recent a heartbeat must be for its instance to count as live: three heartbeats.</summary>
    public static readonly TimeSpan LiveWindow = TimeSpan.FromMinutes(3);

    public string Path => "/admin/instances";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public async Task HandleAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var now = time.GetUtcNow();
        IReadOnlyList<InstanceHeartbeat> instances = [];
        var partial = false;
        try
        {
            instances = await flusher.Store.ListInstancesAsync(now - LiveWindow, http.RequestAborted);
        }
        catch (Exception ex) when (StoreFailure.Is(ex, http.RequestAborted))
        {
            partial = true;
            flusher.State.Failed(now, ex);
        }

        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("storage", flusher.Store.Mode);
            writer.WriteBoolean("partial", partial);
            writer.WriteString("self", recorder.InstanceId);
            writer.WriteStartArray("instances");
            if (!instances.Any(i => i.Id == recorder.InstanceId))
            {
                WriteInstance(writer, new InstanceHeartbeat(recorder.InstanceId, Environment.MachineName, default, now, ""), self: true, beating: false);
            }

            foreach (var instance in instances.OrderBy(i => i.Id, StringComparer.Ordinal))
            {
                WriteInstance(writer, instance, instance.Id == recorder.InstanceId, beating: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await AdminJson.WriteAsync(http, buffer);
    }

    private static void WriteInstance(Utf8JsonWriter writer, InstanceHeartbeat instance, bool self, bool beating)
    {
        writer.WriteStartObject();
        writer.WriteString("id", instance.Id);
        writer.WriteString("host", instance.Host);
        writer.WriteBoolean("self", self);
        if (beating)
        {
            writer.WriteString("startedAt", instance.StartedAt);
            writer.WriteString("lastSeen", instance.LastSeen);
            writer.WriteString("version", instance.Version);
        }

        writer.WriteEndObject();
    }
}
