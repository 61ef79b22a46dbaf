using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Admin;
using Portico.Configuration;

namespace Portico.Cli.Config;

/// <summary>
/// What <c>portico config diff</c> prints: each added, removed and changed item and, for a changed one, every field with
/// its old and new value (like decK's diff), as text or as JSON for CI. Values are shown with the admin view's secret
/// rules (a changed secret reads <c>(redacted)</c> on both sides) and values from the environment as their <c>${NAME}</c>.
/// </summary>
internal static class DiffReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The text form: <c>+ kind id</c>, <c>- kind id</c>, <c>~ kind id</c> with one indented line per changed field.</summary>
    public static string Text(RegistryDiff diff, Func<string, string> redact)
    {
        if (diff.IsEmpty)
        {
            return "No differences.";
        }

        var text = new StringBuilder();
        foreach (var change in diff.Changes)
        {
            text.Append(change).Append('\n');
            foreach (var field in Fields(change, redact))
            {
                text.Append("    ").Append(field).Append('\n');
            }
        }

        return text.Append(diff.Changes.Count).Append(" difference(s).").ToString();
    }

    /// <summary>The JSON form (docs/cli.md): <c>{"differences":N,"changes":[{kind,id,change,fields|old|new}]}</c>.</summary>
    public static string Json(RegistryDiff diff, Func<string, string> redact)
    {
        var changes = new JsonArray();
        foreach (var change in diff.Changes)
        {
            var entry = new JsonObject
            {
                ["kind"] = change.Kind,
                ["id"] = change.Id,
                ["change"] = change.Type.ToString().ToLowerInvariant(),
            };
            switch (change.Type)
            {
                case RegistryChangeType.Added:
                    entry["new"] = Shown(change.NewJson!, redact);
                    break;
                case RegistryChangeType.Removed:
                    entry["old"] = Shown(change.OldJson!, redact);
                    break;
                default:
                    entry["fields"] = new JsonArray([.. Fields(change, redact).Select(f => (JsonNode)new JsonObject
                    {
                        ["path"] = f.Path,
                        ["old"] = f.Old,
                        ["new"] = f.New,
                    })]);
                    break;
            }

            changes.Add(entry);
        }

        return new JsonObject { ["differences"] = diff.Changes.Count, ["changes"] = changes }.ToJsonString(Indented);
    }

    /// <summary>The changed fields of a changed item as shown; a change only in hidden values still shows, as such.</summary>
    private static IReadOnlyList<RegistryFieldChange> Fields(RegistryChange change, Func<string, string> redact)
    {
        if (change.Type != RegistryChangeType.Changed)
        {
            return [];
        }

        var fields = RegistryFieldDiff.Compute(Shown(change.OldJson!, redact), Shown(change.NewJson!, redact));
        return fields.Count > 0 ? fields : [new RegistryFieldChange("(a hidden value)", RegistryRedaction.Redacted, RegistryRedaction.Redacted)];
    }

    private static JsonNode? Shown(string json, Func<string, string> redact)
    {
        var node = RegistryRedaction.RedactItem(json);
        RedactStrings(node, redact);
        return node;
    }

    private static void RedactStrings(JsonNode? node, Func<string, string> redact)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(member => member.Key).ToArray())
                {
                    if (obj[name] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        obj[name] = redact(text);
                    }
                    else
                    {
                        RedactStrings(obj[name], redact);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        array[i] = redact(text);
                    }
                    else
                    {
                        RedactStrings(array[i], redact);
                    }
                }

                break;
        }
    }
}
