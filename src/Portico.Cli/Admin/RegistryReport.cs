using System.Text;
using System.Text.Json;

namespace Portico.Cli.Admin;

/// <summary>Formats the admin registry answer as plain-text tables for a terminal.</summary>
internal static class RegistryReport
{
    public static string Format(JsonElement root)
    {
        var text = new StringBuilder();
        var registry = root.GetProperty("registry");
        if (root.GetProperty("loaded").GetBoolean())
        {
            text.AppendLine($"Revision {root.GetProperty("revision").GetString()}, loaded {root.GetProperty("loadedAt").GetString()} from {root.GetProperty("store").GetString()}");
        }
        else
        {
            text.AppendLine($"No registry loaded yet from {root.GetProperty("store").GetString()}");
        }

        text.AppendLine(string.Join(", ", root.GetProperty("counts").EnumerateObject().Select(c => $"{c.Name} {c.Value.GetInt32()}")));

        Section(text, registry, "routes", ["ROUTE", "METHODS", "PATH", "AUTH", "TARGET"], route =>
        [
            Str(route, "id"),
            route.GetProperty("match").TryGetProperty("methods", out var methods) ? string.Join(",", methods.EnumerateArray().Select(m => m.GetString())) : "*",
            Str(route.GetProperty("match"), "path"),
            Str(route, "auth"),
            route.TryGetProperty("backend", out var backend) ? "backend " + backend.GetString()
                : route.TryGetProperty("aggregate", out _) ? "aggregate" : "static",
        ]);
        Section(text, registry, "backends", ["BACKEND", "URL"], b => [Str(b, "id"), Str(b, "url")]);
        Section(text, registry, "authPolicies", ["AUTH POLICY", "TYPE"], p => [Str(p, "id"), Str(p, "type")]);
        Section(text, registry, "consumers", ["CONSUMER", "PLAN", "STATUS"], c => [Str(c, "id"), Str(c, "plan"), c.TryGetProperty("status", out var s) ? s.GetString()! : "active"]);
        Section(text, registry, "apiKeys", ["API KEY", "CONSUMER", "STATUS"], k => [Str(k, "id"), Str(k, "consumer"), k.TryGetProperty("status", out var s) ? s.GetString()! : "active"]);
        Section(text, registry, "plans", ["PLAN", "POLICIES"], p => [Str(p, "id"), string.Join(",", p.GetProperty("policies").EnumerateArray().Select(x => x.GetString()))]);
        Section(text, registry, "rateLimitPolicies", ["RATE-LIMIT POLICY"], p => [Str(p, "id")]);

        var rejected = root.GetProperty("lastRejected");
        text.AppendLine();
        if (rejected.ValueKind == JsonValueKind.Null)
        {
            text.AppendLine("No revision has been refused since the gateway started.");
        }
        else
        {
            var state = rejected.GetProperty("superseded").GetBoolean() ? "a later revision was accepted" : "still the newest in the store; the revision above keeps serving";
            text.AppendLine($"Last refused revision {rejected.GetProperty("revision").GetString()} at {rejected.GetProperty("rejectedAt").GetString()}: {rejected.GetProperty("errorCount").GetInt32()} error(s), {state}");
            foreach (var error in rejected.GetProperty("errors").EnumerateArray())
            {
                var where = error.GetProperty("location").GetString();
                var item = error.GetProperty("item").GetString();
                var field = error.GetProperty("field").GetString();
                text.Append("  ");
                text.Append(string.IsNullOrEmpty(where) ? "" : where + ": ");
                text.Append(string.IsNullOrEmpty(item) ? "" : item + ": ");
                text.Append(string.IsNullOrEmpty(field) ? "" : field + ": ");
                text.AppendLine(error.GetProperty("message").GetString());
            }
        }

        return text.ToString();
    }

    private static string Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "-";

    private static void Section(StringBuilder text, JsonElement registry, string member, string[] headers, Func<JsonElement, string[]> row)
    {
        if (!registry.TryGetProperty(member, out var items) || items.GetArrayLength() == 0)
        {
            return;
        }

        var rows = new List<string[]> { headers };
        rows.AddRange(items.EnumerateArray().Select(row));
        TextTable.Append(text, rows);
    }
}
