using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Aggregation;

namespace Portico.GraphQL;

/// <summary>REST fields of entities: one batch call for many parents where the field has a batch endpoint, else one call per distinct URL.</summary>
internal sealed partial class PlanExecution
{
    private async Task<bool> RunRestEntitiesAsync(FetchNode fetch)
    {
        // One call per distinct rendered URL: parents sharing arguments share the call (no N+1). Fields with a batch
        // endpoint are grouped by field and arguments instead, each group's distinct key values listed in one call.
        var groups = new Dictionary<string, (RestFieldResolver Resolver, SelectionNode Selection, string TypeName, List<(JsonObject Node, object[] Path)> Owners)>(StringComparer.Ordinal);
        var batches = new Dictionary<string, BatchGroup>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var target in fetch.Targets)
            {
                foreach (var (node, path) in ObjectsOf(target))
                {
                    var parent = new JsonObject();
                    foreach (var field in target.RequiredFields)
                    {
                        parent[field] = node[SelectionNode.KeyAlias(field)]?.DeepClone();
                    }

                    var parentElement = JsonSerializer.SerializeToElement(parent);
                    foreach (var selection in target.Selections.Where(IsIncluded))
                    {
                        var resolver = fetch.Subgraph.RestFor(target.TypeName, selection.FieldName)!;
                        var argumentValues = ArgumentValues.Of(selection.Arguments, variables);
                        var arguments = JsonSerializer.SerializeToElement(argumentValues);
                        if (resolver.Batch is { } batch && KeyText(parentElement, batch.ParentField) is { } keyText)
                        {
                            var batchKey = selection.ResponseKey + "\n" + target.TypeName + "\n" + argumentValues.ToJsonString();
                            if (!batches.TryGetValue(batchKey, out var batchGroup))
                            {
                                batchGroup = new BatchGroup(resolver, batch, selection, target.TypeName, arguments);
                                batches.Add(batchKey, batchGroup);
                            }

                            batchGroup.Add(keyText, node, path);
                            continue;
                        }

                        var url = resolver.Path.RenderUrl(new RestValues(parentElement, arguments), out _);
                        if (url is null)
                        {
                            continue; // a missing parent field or argument: the field stays null
                        }

                        var key = selection.ResponseKey + "\n" + url;
                        if (!groups.TryGetValue(key, out var group))
                        {
                            group = (resolver, selection, target.TypeName, []);
                            groups.Add(key, group);
                        }

                        group.Owners.Add((node, path));
                    }
                }
            }
        }

        var calls = groups.Select(async pair =>
        {
            var (resolver, selection, typeName, owners) = pair.Value;
            var url = pair.Key[(pair.Key.IndexOf('\n') + 1)..];
            var value = await CallRestUrlAsync(fetch, resolver.Pointer, url, [.. owners[0].Path, selection.ResponseKey]);
            if (value is null)
            {
                return false;
            }

            var shaped = RestProjection.Project(route.Graph, value.Value.Json, typeName, selection);
            lock (_lock)
            {
                SetAll(owners, selection.ResponseKey, shaped);
            }

            return true;
        });
        var batchCalls = batches.Values.SelectMany(group => group.Chunks().Select(chunk => RunBatchAsync(fetch, group, chunk)));
        var results = await Task.WhenAll(calls.Concat(batchCalls));
        return results.All(r => r);
    }

    /// <summary>One batch call for <paramref name="keys"/>: each item of the answer goes to the parents of its key; a key without an item stays null.</summary>
    private async Task<bool> RunBatchAsync(FetchNode fetch, BatchGroup group, List<string> keys)
    {
        var batch = group.Batch;
        var parents = JsonSerializer.SerializeToElement(new JsonObject { [batch.ParentField] = string.Join(',', keys) });
        var url = batch.Path.RenderUrl(new RestValues(parents, group.Arguments), out _);
        if (url is null)
        {
            return true; // a missing argument: the fields stay null, as for a single call
        }

        var firstOwners = group.Owners[keys[0]];
        var errorPath = (object[])[.. firstOwners[0].Path, group.Selection.ResponseKey];
        var value = await CallRestUrlAsync(fetch, batch.Pointer, url, errorPath);
        if (value is null)
        {
            return false;
        }

        var items = value.Value.Json as JsonArray;
        if (items is null || (batch.ItemKey is null && items.Count != keys.Count))
        {
            lock (_lock)
            {
                var found = items is null ? "no array" : $"{items.Count} items";
                var asked = keys.Count == 1 ? "1 key" : $"{keys.Count} keys";
                Errors.Add(Error($"the batch call of '{group.Resolver.TypeName}.{group.Resolver.FieldName}' for {asked} answered {found}", errorPath, "SUBGRAPH_FETCH_FAILED", fetch.Subgraph.Name));
            }

            return false;
        }

        var byKey = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            if (batch.ItemKey is null)
            {
                byKey[keys[i]] = items[i];
            }
            else if (items[i] is JsonObject item && KeyText(JsonSerializer.SerializeToElement(item), batch.ItemKey) is { } itemKey)
            {
                byKey.TryAdd(itemKey, item);
            }
        }

        lock (_lock)
        {
            foreach (var key in keys)
            {
                var shaped = byKey.TryGetValue(key, out var item) ? RestProjection.Project(route.Graph, item, group.TypeName, group.Selection) : null;
                SetAll(group.Owners[key], group.Selection.ResponseKey, shaped);
            }
        }

        return true;
    }

    /// <summary>Sets <paramref name="responseKey"/> on every owner, each its own copy; call under the lock.</summary>
    private static void SetAll(List<(JsonObject Node, object[] Path)> owners, string responseKey, JsonNode? shaped)
    {
        for (int i = 0; i < owners.Count; i++)
        {
            owners[i].Node[responseKey] = i == owners.Count - 1 ? shaped : shaped?.DeepClone();
        }
    }

    /// <summary>
    /// The text of member <paramref name="field"/> as a batch lists it; null when missing, not a scalar, or holding a
    /// comma (which would split it: that parent gets a call of its own).
    /// </summary>
    private static string? KeyText(JsonElement parent, string field) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(field, out var value)
        && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
        && JsonScalar.TryFormat(value, out var text) == ValueStatus.Found && !text.Contains(',')
            ? text
            : null;

    /// <summary>The parents of one batched field and argument set, by key value in the order first seen.</summary>
    private sealed class BatchGroup(RestFieldResolver resolver, RestBatch batch, SelectionNode selection, string typeName, JsonElement arguments)
    {
        public RestFieldResolver Resolver { get; } = resolver;

        public RestBatch Batch { get; } = batch;

        public SelectionNode Selection { get; } = selection;

        public string TypeName { get; } = typeName;

        public JsonElement Arguments { get; } = arguments;

        public Dictionary<string, List<(JsonObject Node, object[] Path)>> Owners { get; } = new(StringComparer.Ordinal);

        private readonly List<string> _keys = [];

        public void Add(string key, JsonObject node, object[] path)
        {
            if (!Owners.TryGetValue(key, out var owners))
            {
                Owners.Add(key, owners = []);
                _keys.Add(key);
            }

            owners.Add((node, path));
        }

        /// <summary>The distinct keys, at most <see cref="RestBatch.MaxSize"/> per call.</summary>
        public IEnumerable<List<string>> Chunks() => _keys.Chunk(Batch.MaxSize).Select(c => c.ToList());
    }
}
