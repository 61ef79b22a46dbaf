using System.Text;
using System.Text.Json;
using Portico.Cli.Admin;

namespace Portico.Cli.Backends;

/// <summary>Formats the admin backends answer (all backends, or one) as one table row per destination.</summary>
internal static class BackendsReport
{
    public static string Format(JsonElement root)
    {
        var backends = root.TryGetProperty("backends", out var all) ? [.. all.EnumerateArray()] : new[] { root };
        var rows = new List<string[]> { new[] { "BACKEND", "DESTINATION", "HEALTH", "SOURCE", "LAST SEEN", "WEIGHT", "IN FLIGHT" } };
        var notes = new StringBuilder();
        foreach (var backend in backends)
        {
            var id = backend.GetProperty("id").GetString()!;
            if (!backend.TryGetProperty("destinations", out var destinations))
            {
                rows.Add([id, backend.GetProperty("url").GetString()!, "-", "url", "-", "-", "-"]);
                continue;
            }

            if (backend.TryGetProperty("discovery", out var discovery) && discovery.TryGetProperty("lastError", out var lastError))
            {
                notes.AppendLine($"{id}: the {discovery.GetProperty("type").GetString()} source's last refresh failed ({lastError.GetString()}); its last known destinations stay.");
            }

            if (destinations.GetArrayLength() == 0)
            {
                rows.Add([id, "(none yet)", "-", discovery.ValueKind == JsonValueKind.Object ? discovery.GetProperty("type").GetString()! : "-", "-", "-", "-"]);
            }

            foreach (var destination in destinations.EnumerateArray())
            {
                var health = destination.GetProperty("health").GetString()!;
                if (destination.TryGetProperty("ejectedUntil", out var until))
                {
                    health += " until " + until.GetString();
                }

                rows.Add(
                [
                    id,
                    destination.GetProperty("url").GetString()!,
                    health,
                    destination.GetProperty("source").GetString()!,
                    destination.TryGetProperty("lastSeen", out var seen) ? seen.GetString()! : "-",
                    destination.GetProperty("weight").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    destination.GetProperty("inFlight").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ]);
            }
        }

        var text = new StringBuilder();
        TextTable.Append(text, rows);
        if (notes.Length > 0)
        {
            text.AppendLine().Append(notes);
        }

        return text.ToString().TrimStart('\r', '\n');
    }
}
