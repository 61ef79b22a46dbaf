using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portico.Configuration;
using Portico.Pipeline;
using Portico.Registry;

namespace Portico.Admin;

/// <summary>
/// <c>GET {prefix}/admin/registry</c>: the live registry (secrets hidden by <see cref="RegistryRedaction"/>), its revision
/// and load time, and the last revision the gateway refused with every error located. The shape is documented in
/// docs/admin.md and only grows.
/// </summary>
internal sealed partial class RegistryEndpoint(RegistryRuntime runtime) : IPorticoEndpoint
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public string Path => "/admin/registry";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public Task HandleAsync(GatewayContext context)
    {
        var snapshot = runtime.Current;
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("loaded", snapshot.IsLoaded);
            writer.WriteString("store", runtime.Store.Description);
            if (snapshot.IsLoaded)
            {
                writer.WriteString("revision", snapshot.Revision);
                writer.WriteString("contentHash", snapshot.ContentHash);
                writer.WriteString("loadedAt", snapshot.LoadedAt);
            }

            var document = snapshot.Document;
            writer.WriteStartObject("counts");
            writer.WriteNumber("routes", document.Routes.Count);
            writer.WriteNumber("backends", document.Backends.Count);
            writer.WriteNumber("consumers", document.Consumers.Count);
            writer.WriteNumber("authPolicies", document.AuthPolicies.Count);
            writer.WriteNumber("apiKeys", document.ApiKeys.Count);
            writer.WriteNumber("rateLimitPolicies", document.RateLimitPolicies.Count);
            writer.WriteNumber("plans", document.Plans.Count);
            writer.WriteEndObject();

            writer.WritePropertyName("registry");
            RegistryRedaction.Redact(document).WriteTo(writer);

            writer.WritePropertyName("lastRejected");
            WriteRejected(writer, runtime.LastRejected, superseded: runtime.LastErrors.Count == 0);
            writer.WriteEndObject();
        }

        var response = context.HttpContext.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    private static void WriteRejected(Utf8JsonWriter writer, RejectedRevision? rejected, bool superseded)
    {
        if (rejected is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("revision", rejected.Revision);
        writer.WriteString("rejectedAt", rejected.RejectedAt);
        writer.WriteBoolean("superseded", superseded);
        writer.WriteNumber("errorCount", rejected.Errors.Count);
        writer.WriteStartArray("errors");
        foreach (var error in rejected.Errors)
        {
            WriteError(writer, error);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteError(Utf8JsonWriter writer, ConfigurationError error)
    {
        writer.WriteStartObject();
        writer.WriteString("location", error.Location);
        var at = error.Location is null ? Match.Empty : FileLocation().Match(error.Location);
        if (at.Success)
        {
            writer.WriteString("file", at.Groups["file"].Value);
            writer.WriteNumber("line", int.Parse(at.Groups["line"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteNumber("column", int.Parse(at.Groups["column"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull("file");
            writer.WriteNull("line");
            writer.WriteNull("column");
        }

        writer.WriteString("path", error.JsonPath);
        writer.WriteString("item", error.Subject);
        writer.WriteString("field", error.Field);
        writer.WriteString("message", error.Message);
        writer.WriteEndObject();
    }

    // file.json:12:5, the form of file stores' locations (table entities have no line).
    [GeneratedRegex(@"^(?<file>.+):(?<line>\d{1,9}):(?<column>\d{1,9})$")]
    private static partial Regex FileLocation();
}
