using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Pipeline;
using Portico.Registry;

namespace Portico.Admin;

/// <summary>
/// <c>/health/ready</c>: 200 once a registry snapshot is live, 503 before. Says which revision serves and, when a newer
/// one was rejected, its revision and error count (the instance stays ready: the live snapshot serves), but never why
/// (the errors are in the log, event 101, not for the public).
/// </summary>
internal sealed class ReadinessEndpoint(RegistryRuntime runtime) : IPorticoEndpoint
{
    public string Path => "/health/ready";

    public async Task HandleAsync(GatewayContext context)
    {
        var snapshot = runtime.Current;
        var response = context.HttpContext.Response;
        response.StatusCode = snapshot.IsLoaded ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString("status", snapshot.IsLoaded ? "ready" : "starting");
        if (snapshot.IsLoaded)
        {
            writer.WriteString("revision", snapshot.Revision);
            writer.WriteNumber("routes", snapshot.Routes.Routes.Length);
            writer.WriteString("loadedAt", snapshot.LoadedAt);
        }

        // Only while the rejected revision is the newest one read: a later good load supersedes it here
        // (the admin registry view keeps it, marked superseded).
        if (runtime.LastErrors.Count > 0 && runtime.LastRejected is { } rejected)
        {
            writer.WriteStartObject("rejected");
            writer.WriteString("revision", rejected.Revision);
            writer.WriteNumber("errors", rejected.Errors.Count);
            writer.WriteString("at", rejected.RejectedAt);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.Flush();
        buffer.Write("\n"u8); // every JSON answer Portico composes ends with a newline
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
