using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;
using Portico.Aggregation;
using Portico.Observability;
using Portico.Pipeline;

namespace Portico.GraphQL;

/// <summary>
/// Runs one request's <see cref="QueryPlan"/>: root fetches in parallel (in order for a mutation), each fetch's children
/// after it, every answer merged into one data tree. A failed fetch becomes an error with a path; the fields it would
/// have added stay missing, which the <see cref="ResponseShaper"/> turns into nulls (partial data). Each fetch is a span.
/// REST fields of entities are in PlanExecution.RestEntities.cs.
/// </summary>
internal sealed partial class PlanExecution(GraphQLRouteState route, QueryPlan plan, JsonObject? variables, GatewayContext context, CancellationToken token)
{
    private const string RepresentationsVariable = SelectionNode.InternalPrefix + "representations";

    private readonly object _lock = new();
    private int _fetches;

    /// <summary>The merged answers.</summary>
    public JsonObject Data { get; } = [];

    /// <summary>Errors for the response, in the order they happened.</summary>
    public List<JsonObject> Errors { get; } = [];

    /// <summary>How many subgraph calls the request made.</summary>
    public int Fetches => _fetches;

    public async Task RunAsync()
    {
        if (plan.IsMutation)
        {
            foreach (var root in plan.Roots)
            {
                await RunTreeAsync(root);
            }
        }
        else if (plan.Roots.Count == 1)
        {
            await RunTreeAsync(plan.Roots[0]);
        }
        else
        {
            await Task.WhenAll(plan.Roots.Select(RunTreeAsync));
        }
    }

    private async Task RunTreeAsync(FetchNode fetch)
    {
        if (!await RunFetchAsync(fetch) || fetch.Children.Count == 0)
        {
            return;
        }

        if (fetch.Children.Count == 1)
        {
            await RunTreeAsync(fetch.Children[0]);
            return;
        }

        await Task.WhenAll(fetch.Children.Select(RunTreeAsync));
    }

    private Task<bool> RunFetchAsync(FetchNode fetch) => fetch.Subgraph.Kind == SubgraphKind.Rest
        ? fetch.IsEntity ? RunRestEntitiesAsync(fetch) : RunRestRootAsync(fetch)
        : fetch.IsEntity ? RunEntitiesAsync(fetch) : RunRootAsync(fetch);

    private async Task<bool> RunRootAsync(FetchNode fetch)
    {
        var answer = await CallGraphQLAsync(fetch, null);
        if (answer is null)
        {
            FetchFailed(fetch, fetch.Selections.Select(s => new object[] { s.ResponseKey }).FirstOrDefault() ?? []);
            return false;
        }

        lock (_lock)
        {
            AddSubgraphErrors(fetch, answer, static path => path);
            if (answer["data"] is JsonObject data)
            {
                answer.Remove("data");
                JsonTree.Merge(Data, data);
                return true;
            }
        }

        return false;
    }

    private async Task<bool> RunEntitiesAsync(FetchNode fetch)
    {
        var (representations, owners) = CollectRepresentations(fetch);
        if (representations.Count == 0)
        {
            return true; // nothing to resolve: a null parent, an empty list
        }

        var answer = await CallGraphQLAsync(fetch, representations);
        var entities = answer?["data"]?["_entities"] as JsonArray;
        if (answer is null || (entities is null && answer["errors"] is null) || (entities is not null && entities.Count != owners.Count))
        {
            FetchFailed(fetch, owners[0][0].Path);
            return false;
        }

        lock (_lock)
        {
            AddSubgraphErrors(fetch, answer, path => path.Count >= 2 && path[0]?.GetValue<string>() == "_entities" && path[1] is JsonValue v
                && v.TryGetValue<int>(out var i) && i >= 0 && i < owners.Count
                    ? JsonTree.PathOf([.. owners[i][0].Path, .. path.Skip(2).Select(p => p is JsonValue pv && pv.TryGetValue<int>(out var n) ? (object)n : p!.GetValue<string>())])
                    : null);
            if (entities is null)
            {
                return false;
            }

            for (int i = 0; i < owners.Count; i++)
            {
                if (entities[i] is not JsonObject entity)
                {
                    continue;
                }

                var targets = owners[i];
                for (int t = 0; t < targets.Count; t++)
                {
                    JsonTree.Merge(targets[t].Node, t == targets.Count - 1 ? entity : (JsonObject)entity.DeepClone());
                }
            }
        }

        return true;
    }

    private async Task<bool> RunRestRootAsync(FetchNode fetch)
    {
        var calls = fetch.Selections.Where(IsIncluded).Select(async selection =>
        {
            var resolver = fetch.Subgraph.RestFor(plan.Operation.RootType, selection.FieldName)!;
            var arguments = JsonSerializer.SerializeToElement(ArgumentValues.Of(selection.Arguments, variables));
            var value = await CallRestAsync(fetch, resolver, new RestValues(default, arguments), [selection.ResponseKey]);
            if (value is null)
            {
                return false;
            }

            var shaped = RestProjection.Project(route.Graph, value.Value.Json, plan.Operation.RootType, selection);
            lock (_lock)
            {
                Data[selection.ResponseKey] = shaped;
            }

            return true;
        });
        var results = await Task.WhenAll(calls);
        return results.All(r => r);
    }

    private (JsonArray Representations, List<List<(JsonObject Node, object[] Path)>> Owners) CollectRepresentations(FetchNode fetch)
    {
        var representations = new JsonArray();
        var owners = new List<List<(JsonObject Node, object[] Path)>>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var target in fetch.Targets)
            {
                foreach (var (node, path) in ObjectsOf(target))
                {

                    var representation = new JsonObject { ["__typename"] = target.TypeName };
                    var complete = true;
                    foreach (var key in target.RequiredFields)
                    {
                        var value = node[SelectionNode.KeyAlias(key)];
                        complete &= value is not null;
                        representation[key] = value?.DeepClone();
                    }

                    if (!complete)
                    {
                        continue;
                    }

                    // Parents with the same key are one representation: the entity is fetched once.
                    var text = representation.ToJsonString();
                    if (!index.TryGetValue(text, out var i))
                    {
                        i = representations.Count;
                        index.Add(text, i);
                        representations.Add(representation);
                        owners.Add([]);
                    }

                    owners[i].Add((node, path));
                }
            }
        }

        return (representations, owners);
    }

    /// <summary>The objects at <paramref name="target"/>'s path whose concrete type is its type; call under the lock.</summary>
    private List<(JsonObject Node, object[] Path)> ObjectsOf(EntityTarget target)
    {
        var found = new List<(JsonObject Node, object[] Path)>();
        JsonTree.Collect(Data, target.Path, 0, [], found);
        found.RemoveAll(f => !IsOfType(f.Node, target.TypeName));
        return found;
    }

    private bool IsOfType(JsonObject node, string typeName) =>
        node[SelectionNode.TypeKey] is not JsonValue type || !type.TryGetValue<string>(out var concrete) || route.Graph.Satisfies(concrete, typeName);

    private bool IsIncluded(SelectionNode selection) => ResponseShaper.IsIncluded(selection, variables);

    private async Task<JsonObject?> CallGraphQLAsync(FetchNode fetch, JsonArray? representations)
    {
        var subgraphVariables = new JsonObject();
        if (representations is not null)
        {
            subgraphVariables[RepresentationsVariable] = representations;
        }

        foreach (var name in fetch.Variables)
        {
            if (variables is not null && variables.TryGetPropertyValue(name, out var value))
            {
                subgraphVariables[name] = value?.DeepClone();
            }
        }

        var body = new JsonObject { ["query"] = fetch.Document, ["variables"] = subgraphVariables };
        using var request = NewRequest(fetch, HttpMethod.Post, fetch.Subgraph.Endpoint);
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(HeaderNames.Accept, "application/graphql-response+json, application/json");
        var answer = await SendAsync(fetch, request);
        return answer?.Json as JsonObject;
    }

    private Task<(JsonNode? Json, bool Ok)?> CallRestAsync(FetchNode fetch, RestFieldResolver resolver, RestValues values, object[] path)
    {
        var url = resolver.Path.RenderUrl(values, out var failure);
        if (url is null)
        {
            lock (_lock)
            {
                Errors.Add(Error($"the REST call of '{resolver.TypeName}.{resolver.FieldName}' lacks {failure.Value.Description}", path, "BAD_USER_INPUT", null));
            }

            return Task.FromResult<(JsonNode?, bool)?>(null);
        }

        return CallRestUrlAsync(fetch, resolver.Pointer, url, path);
    }

    private async Task<(JsonNode? Json, bool Ok)?> CallRestUrlAsync(FetchNode fetch, JsonPathSelector? pointer, string url, object[] path)
    {
        using var request = NewRequest(fetch, HttpMethod.Get, fetch.Subgraph.Backend.UriFor(url));
        request.Headers.TryAddWithoutValidation(HeaderNames.Accept, "application/json");
        var answer = await SendAsync(fetch, request);
        if (answer is null)
        {
            FetchFailed(fetch, path);
            return null;
        }

        var json = answer.Value.Json;
        if (pointer is not null && json is not null)
        {
            var element = JsonSerializer.SerializeToElement(json);
            json = pointer.TrySelect(element, out var selected) ? JsonNode.Parse(selected.GetRawText()) : null;
        }

        return (json, true);
    }

    private HttpRequestMessage NewRequest(FetchNode fetch, HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        var client = context.Client;
        if (client.ForwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ForwardedFor);
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", client.Proto);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", client.Host);

        // The verified caller, as on proxied requests; an identity token names the subgraph's backend as its audience.
        route.Runtime.Identity.Apply(context, request, fetch.Subgraph.Backend.Id);
        return request;
    }

    /// <summary>Sends one call through the backend's resilience and reads its JSON answer; null (logged, counted) when it failed.</summary>
    private async Task<(JsonNode? Json, bool Ok)?> SendAsync(FetchNode fetch, HttpRequestMessage request)
    {
        Interlocked.Increment(ref _fetches);
        var subgraph = fetch.Subgraph;
        using var activity = PorticoTelemetry.ActivitySource.StartActivity(subgraph.ActivityName, ActivityKind.Client);
        activity?.SetTag("portico.route", route.RouteId);
        activity?.SetTag("portico.graphql.subgraph", subgraph.Name);
        activity?.SetTag("portico.backend", subgraph.Backend.Id);
        string? failure;
        Exception? exception = null;
        try
        {
            using var response = await subgraph.Backend.SendAsync(request, token);
            var status = (int)response.StatusCode;
            activity?.SetTag("http.response.status_code", PorticoMetrics.Box(status));
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var json = mediaType is null || mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase);
            if (json && (status is >= 200 and < 300 || mediaType == "application/graphql-response+json"))
            {
                var body = await SubgraphAnswer.ReadAsync(response.Content, token);
                if (body is null)
                {
                    failure = $"the answer is larger than {GraphQLLimits.MaxSubgraphResponseSize} bytes";
                }
                else if (!JsonText.JsonUnicode.IsValid(body))
                {
                    failure = "the answer is not valid JSON: " + JsonText.JsonUnicode.Problem;
                }
                else
                {
                    var node = body.Length == 0 ? null : JsonNode.Parse(body);
                    route.Runtime.Metrics.RecordFetch(route.RouteId, subgraph.Name, true);
                    return (node, true);
                }
            }
            else
            {
                failure = json ? $"status {status}" : $"status {status}, {mediaType}";
            }
        }
        catch (JsonException)
        {
            failure = "the answer is not valid JSON";
        }
        catch (Exception ex) when (!token.IsCancellationRequested || ex is not OperationCanceledException)
        {
            failure = ex.GetType().Name;
            exception = ex is HttpRequestException ? null : ex;
        }
        catch (OperationCanceledException)
        {
            failure = "the operation's deadline passed or the client left";
        }

        activity?.SetStatus(ActivityStatusCode.Error, failure);
        route.Runtime.Metrics.RecordFetch(route.RouteId, subgraph.Name, false);
        GraphQLLog.FetchFailed(route.Runtime.Logger, route.RouteId, subgraph.Name, subgraph.Backend.Id, failure, exception);
        return null;
    }

    private void FetchFailed(FetchNode fetch, object[] path)
    {
        lock (_lock)
        {
            Errors.Add(Error($"subgraph '{fetch.Subgraph.Name}' could not be reached or failed", path, "SUBGRAPH_FETCH_FAILED", fetch.Subgraph.Name));
        }
    }

    /// <summary>Passes a subgraph's errors on, with paths made relative to the client's answer (or masked, per route).</summary>
    private void AddSubgraphErrors(FetchNode fetch, JsonObject answer, Func<JsonArray, JsonArray?> mapPath)
    {
        if (answer["errors"] is not JsonArray errors)
        {
            return;
        }

        foreach (var item in errors.OfType<JsonObject>())
        {
            var path = item["path"] is JsonArray p ? mapPath(p) : null;
            if (route.MaskErrors)
            {
                var masked = new JsonObject { ["message"] = "a subgraph returned an error" };
                if (path is not null)
                {
                    masked["path"] = path.DeepClone();
                }

                masked["extensions"] = new JsonObject { ["code"] = "SUBGRAPH_ERROR" };
                Errors.Add(masked);
                continue;
            }

            var error = new JsonObject { ["message"] = item["message"]?.DeepClone() ?? "subgraph error" };
            if (path is not null)
            {
                error["path"] = path.DeepClone();
            }

            var extensions = item["extensions"] is JsonObject e ? (JsonObject)e.DeepClone() : [];
            extensions["subgraph"] = fetch.Subgraph.Name;
            error["extensions"] = extensions;
            Errors.Add(error);
        }
    }

    private static JsonObject Error(string message, object[] path, string code, string? subgraph)
    {
        var error = new JsonObject { ["message"] = message };
        if (path.Length > 0)
        {
            error["path"] = JsonTree.PathOf(path);
        }

        var extensions = new JsonObject { ["code"] = code };
        if (subgraph is not null)
        {
            extensions["subgraph"] = subgraph;
        }

        error["extensions"] = extensions;
        return error;
    }
}
