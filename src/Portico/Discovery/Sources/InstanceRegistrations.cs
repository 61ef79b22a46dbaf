using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Admin;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Proxy;
using Portico.Storage;

namespace Portico.Discovery.Sources;

/// <summary>
/// <c>{prefix}/admin/backends/{id}/instances</c>: a service registers itself (<c>PUT</c> with <c>url</c>, optional
/// <c>weight</c>, <c>metadata</c> and <c>ttl</c>; sent again as its heartbeat), leaves (<c>DELETE ?url=</c>), or lists the
/// live registrations (<c>GET</c>). Behind the admin policy like every admin endpoint (a backend's registration keys may
/// register and deregister its instances only: <see cref="RegistrationKeys"/>); <c>registrants</c>
/// narrow who may register for it. The instance that answered refreshes at once; the others on their interval.
/// </summary>
internal sealed class InstanceRegistrations(DiscoverySourceTelemetry telemetry, TimeProvider time)
{
    /// <summary>Largest registration body read.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(5);

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public async Task HandleAsync(GatewayContext context, CompiledBackend backend)
    {
        var http = context.HttpContext;
        if (backend.Cluster?.Source is not RegistrationSource source)
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.RegistrationNotEnabled,
                $"Backend '{backend.Id}' has no \"discovery\": {{ \"type\": \"registration\" }} in the registry.");
            return;
        }

        var principal = context.Identity.ConsumerId ?? context.Identity.Subject ?? AuditLog.Unverified;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && source.Settings.Registrants is { } registrants
            && context.Identity.Method != RegistrationKeys.Method // a registration key is this backend's own (the endpoints stage checked which)
            && !registrants.Contains(principal) && !(context.Identity.Subject is { } subject && registrants.Contains(subject)))
        {
            await ProblemResponse.WriteAsync(http, GatewayProblems.Forbidden, $"'{principal}' is not one of backend '{backend.Id}''s registrants.");
            return;
        }

        try
        {
            if (HttpMethods.IsPut(http.Request.Method))
            {
                await RegisterAsync(context, source, principal);
            }
            else if (HttpMethods.IsDelete(http.Request.Method))
            {
                await DeregisterAsync(context, source, principal);
            }
            else
            {
                await ListAsync(context, source);
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex, http.RequestAborted))
        {
            http.Response.Headers[HeaderNames.RetryAfter] = "5";
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.RegistrationUnavailable);
        }
    }

    private async Task RegisterAsync(GatewayContext context, RegistrationSource source, string principal)
    {
        var http = context.HttpContext;
        if (!AdminRequestBody.IsJson(http.Request))
        {
            await ProblemResponse.WriteAsync(http, GatewayProblems.UnsupportedMediaType, AdminRequestBody.JsonOnly);
            return;
        }

        var (registration, error) = await RegistrationBody.ReadAsync(http.Request, MaxBodyBytes, http.RequestAborted);
        if (registration is null)
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.InvalidRegistration, error);
            return;
        }

        var bounds = source.Settings.Registration;
        var ttl = registration.Ttl ?? (DefaultTtl < bounds.MaxTtl ? DefaultTtl : bounds.MaxTtl);
        if (ttl < MinTtl || ttl > bounds.MaxTtl)
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.InvalidRegistration,
                $"'ttl' must be between {Configuration.Duration.Format(MinTtl)} and {Configuration.Duration.Format(bounds.MaxTtl)}", Field("ttl"));
            return;
        }

        if (bounds.AddressProblem(new Uri(registration.Url)) is var (field, detail))
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.AddressNotAllowed, $"'url': {detail}", Field(field));
            return;
        }

        var now = time.GetUtcNow();
        var maxInstances = bounds.MaxInstances > 0 ? bounds.MaxInstances : source.Settings.MaxDestinations;
        var live = (await source.Store.ListAsync(source.Settings.BackendId, http.RequestAborted)).Where(r => r.ExpiresAt > now).ToList();
        if (live.Count >= maxInstances && !live.Any(r => r.Url == registration.Url)) // a heartbeat of a registered instance always passes
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.TooManyInstances,
                $"backend '{source.Settings.BackendId}' has {live.Count} live registrations, the most allowed", Field(bounds.MaxInstances > 0 ? "discovery.registration.maxInstances" : "discovery.maxDestinations"));
            return;
        }

        var record = new InstanceRecord(source.Settings.BackendId, registration.Url, registration.Weight, registration.Metadata, now, now + ttl, principal);
        await source.Store.UpsertAsync(record, http.RequestAborted);
        telemetry.Registered(record.BackendId, record.Url, principal, ttl);
        source.Poke();
        await WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("backend", record.BackendId);
            WriteRecord(writer, record);
            writer.WriteNumber("ttlSeconds", (long)ttl.TotalSeconds);
            writer.WriteBoolean("shared", source.Store.IsShared);
            writer.WriteEndObject();
        });
    }

    private async Task DeregisterAsync(GatewayContext context, RegistrationSource source, string principal)
    {
        var http = context.HttpContext;
        var url = http.Request.Query["url"];
        if (url.Count != 1 || string.IsNullOrEmpty(url[0]))
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.InvalidRegistration, "name the instance to remove with one '?url=' query parameter");
            return;
        }

        if (!await source.Store.DeleteAsync(source.Settings.BackendId, url[0]!, http.RequestAborted))
        {
            await ProblemResponse.WriteAsync(http, DiscoveryProblems.InstanceNotFound);
            return;
        }

        telemetry.Deregistered(source.Settings.BackendId, url[0]!, principal);
        source.Poke();
        await WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("backend", source.Settings.BackendId);
            writer.WriteString("url", url[0]);
            writer.WriteBoolean("deregistered", true);
            writer.WriteEndObject();
        });
    }

    private async Task ListAsync(GatewayContext context, RegistrationSource source)
    {
        var http = context.HttpContext;
        var now = time.GetUtcNow();
        var records = (await source.Store.ListAsync(source.Settings.BackendId, http.RequestAborted)).Where(r => r.ExpiresAt > now).OrderBy(r => r.Url, StringComparer.Ordinal);
        await WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("backend", source.Settings.BackendId);
            writer.WriteBoolean("shared", source.Store.IsShared);
            writer.WriteStartArray("instances");
            foreach (var record in records)
            {
                writer.WriteStartObject();
                WriteRecord(writer, record);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static KeyValuePair<string, object>[] Field(string field) => [new("field", field)];

    private static void WriteRecord(Utf8JsonWriter writer, InstanceRecord record)
    {
        BackendsEndpoint.WriteAddress(writer, record.Url, record.Weight, record.Metadata);
        writer.WriteString("lastSeen", record.LastSeen);
        writer.WriteString("expiresAt", record.ExpiresAt);
        writer.WriteString("registrant", record.Registrant);
    }

    private static Task WriteAsync(HttpContext http, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            write(writer);
        }

        return AdminJson.WriteAsync(http, buffer);
    }
}
