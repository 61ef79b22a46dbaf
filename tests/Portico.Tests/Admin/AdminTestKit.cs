using System.Text.Json;
using Portico.Admin;
using Portico.Auth;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Admin;

/// <summary>Admin keys made like the CLI makes them, requests that carry them, and readers of the audit log.</summary>
internal static class AdminTestKit
{
    public const string RegistryPath = "/_portico/admin/registry";

    /// <summary>A registry with one anonymous static route.</summary>
    public const string SmallRegistry = """
    { "routes": [ { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "static": { "body": "hi" } } ] }
    """;

    public sealed record AdminKey(string Key, string Id, string Hash);

    public static AdminKey NewKey()
    {
        var (key, id) = ApiKeyFormat.Generate();
        return new AdminKey(key, id, ApiKeyFormat.Hash(key));
    }

    /// <summary>Gateway settings that make <paramref name="keys"/> admin keys.</summary>
    public static Dictionary<string, string?> KeySettings(params AdminKey[] keys)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var key in keys)
        {
            settings[$"Portico:Admin:Keys:{key.Id}:Hash"] = key.Hash;
        }

        return settings;
    }

    public static async Task<HttpResponseMessage> SendAsync(GatewayHost gateway, string path, string? bearer = null, HttpMethod? method = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await gateway.Client.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The audit events (category <c>Portico.Audit</c>, event 600), oldest first.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Audit(GatewayHost gateway) =>
        [.. gateway.Logs.Entries
            .Where(e => e.Category == AuditLog.Category)
            .Select(e =>
            {
                Assert.Equal(AuditLog.EventId, e.EventId.Id);
                Assert.Equal("AdminRequest", e.EventId.Name);
                return (IReadOnlyDictionary<string, object?>)e.State.ToDictionary(s => s.Key, s => s.Value);
            })];

    /// <summary>Asserts that no log event, in its message or any of its values, contains <paramref name="secret"/>.</summary>
    public static void AssertNotLogged(GatewayHost gateway, string secret)
    {
        foreach (var entry in gateway.Logs.Entries)
        {
            Assert.DoesNotContain(secret, entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(entry.State, s => s.Value?.ToString()?.Contains(secret, StringComparison.Ordinal) == true);
            Assert.DoesNotContain(secret, entry.Exception?.ToString() ?? "", StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Waits for the audit events of requests that just ended: each is written when its request ends, which can be
    /// a moment after the client has read the whole answer, so two events may also land in either order.
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> AuditAsync(GatewayHost gateway, int expectedCount)
    {
        await Eventually.TrueAsync(() => Audit(gateway).Count >= expectedCount, TimeSpan.FromSeconds(5));
        var audit = Audit(gateway);
        Assert.Equal(expectedCount, audit.Count);
        return audit;
    }

    /// <summary>The one audit event of a single admin request.</summary>
    public static async Task<IReadOnlyDictionary<string, object?>> OnlyAuditAsync(GatewayHost gateway) => Assert.Single(await AuditAsync(gateway, 1));
}
