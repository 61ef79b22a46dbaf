using System.Text.Json.Nodes;

namespace Portico.GraphQL;

/// <summary>The operations on the answer tree an execution builds: deep merge and walking a response path.</summary>
internal static class JsonTree
{
    /// <summary>Moves every member of <paramref name="source"/> into <paramref name="target"/>, merging objects and lists of objects.</summary>
    public static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, _) in source.ToList())
        {
            var value = source[key];
            source.Remove(key);
            if (target[key] is JsonObject existing && value is JsonObject incoming)
            {
                Merge(existing, incoming);
            }
            else if (target[key] is JsonArray existingList && value is JsonArray incomingList && existingList.Count == incomingList.Count)
            {
                for (int i = 0; i < existingList.Count; i++)
                {
                    if (existingList[i] is JsonObject a && incomingList[i] is JsonObject b)
                    {
                        Merge(a, b);
                    }
                }
            }
            else
            {
                target[key] = value;
            }
        }
    }

    /// <summary>
    /// The objects at <paramref name="path"/> (response keys) under <paramref name="node"/>, walking through lists, each
    /// with its response path (keys and list indexes) for error paths.
    /// </summary>
    public static void Collect(JsonNode? node, string[] path, int depth, List<object> at, List<(JsonObject Node, object[] Path)> found)
    {
        if (node is JsonArray list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                at.Add(i);
                Collect(list[i], path, depth, at, found);
                at.RemoveAt(at.Count - 1);
            }
        }
        else if (node is JsonObject obj)
        {
            if (depth == path.Length)
            {
                found.Add((obj, [.. at]));
                return;
            }

            at.Add(path[depth]);
            Collect(obj[path[depth]], path, depth + 1, at, found);
            at.RemoveAt(at.Count - 1);
        }
    }

    /// <summary>A response path as a JSON array.</summary>
    public static JsonArray PathOf(IEnumerable<object> path)
    {
        var array = new JsonArray();
        foreach (var segment in path)
        {
            array.Add(segment is int index ? JsonValue.Create(index) : JsonValue.Create((string)segment));
        }

        return array;
    }
}
