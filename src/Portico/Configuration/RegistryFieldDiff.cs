using System.Text.Json.Nodes;

namespace Portico.Configuration;

/// <summary>
/// The fields that differ between two versions of one registry item, compared on their canonical JSON: objects member by
/// member, lists element by element when their lengths agree and as a whole when they do not (an insertion would
/// otherwise show as a change of every later element).
/// </summary>
public static class RegistryFieldDiff
{
    /// <summary>The changed fields from <paramref name="oldJson"/> to <paramref name="newJson"/>, in document order.</summary>
    public static IReadOnlyList<RegistryFieldChange> Compute(string oldJson, string newJson) =>
        Compute(JsonNode.Parse(oldJson), JsonNode.Parse(newJson));

    /// <summary>The changed fields from <paramref name="before"/> to <paramref name="after"/>, in document order.</summary>
    public static IReadOnlyList<RegistryFieldChange> Compute(JsonNode? before, JsonNode? after)
    {
        var changes = new List<RegistryFieldChange>();
        Compare(before, after, "", changes);
        return changes;
    }

    private static void Compare(JsonNode? before, JsonNode? after, string path, List<RegistryFieldChange> changes)
    {
        switch (before, after)
        {
            case (JsonObject a, JsonObject b):
                foreach (var (name, value) in a)
                {
                    Compare(value, b[name], Join(path, name), changes);
                }

                foreach (var (name, value) in b)
                {
                    if (!a.ContainsKey(name))
                    {
                        changes.Add(new RegistryFieldChange(Join(path, name), null, value?.DeepClone()));
                    }
                }

                break;
            case (JsonArray a, JsonArray b) when a.Count == b.Count:
                for (var i = 0; i < a.Count; i++)
                {
                    Compare(a[i], b[i], $"{path}[{i}]", changes);
                }

                break;
            default:
                if (!JsonNode.DeepEquals(before, after))
                {
                    changes.Add(new RegistryFieldChange(path.Length == 0 ? "$" : path, before?.DeepClone(), after?.DeepClone()));
                }

                break;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
