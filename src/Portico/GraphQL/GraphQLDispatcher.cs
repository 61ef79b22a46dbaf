using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Dispatch;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.GraphQL;

/// <summary>
/// Answers a GraphQL route (docs/graphql.md): reads a GraphQL-over-HTTP request, finds or builds the operation's plan
/// (parse, validate against the composed schema, normalize, plan; cached by document and operation name), runs it and
/// writes <c>{"errors", "data"}</c> as <c>application/graphql-response+json</c> or <c>application/json</c>.
/// </summary>
internal sealed class GraphQLDispatcher(GraphQLRouteState state) : IRouteDispatcher
{
    private const string GraphQLResponse = "application/graphql-response+json";
    private const string Json = "application/json";

    private static readonly DocumentValidator Validator = new();

    public GraphQLRouteState State => state;

    public async Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var mediaType = Negotiate(http.Request);
        if (mediaType is null)
        {
            await ProblemResponse.WriteAsync(http, GatewayProblems.NotAcceptable, $"this endpoint answers {GraphQLResponse} or {Json}");
            return;
        }

        var (request, problem, detail) = await GraphQLRequest.ReadAsync(http, context.Route!.MaxRequestBodySize);
        if (request is null)
        {
            if (problem == GatewayProblems.MethodNotAllowed)
            {
                http.Response.Headers.Allow = "GET, POST";
            }

            await ProblemResponse.WriteAsync(http, problem!, detail);
            return;
        }

        var persisted = state.PersistedQueries;
        var query = persisted.Resolve(request.Query, request.PersistedHash, out var persistedCode, out var persistedMessage);
        if (query is null)
        {
            await WriteAsync(http, mediaType, mediaType == GraphQLResponse ? 400 : 200, new JsonObject { ["errors"] = new JsonArray(Error(persistedMessage!, persistedCode!)) });
            return;
        }

        request = request with { Query = query };
        var key = (request.Query, request.OperationName);
        var hit = state.Plans.TryGetValue(key, out var plan);
        state.Runtime.Metrics.RecordLookup(state.RouteId, hit);
        if (!hit)
        {
            if (!persisted.Allows(query))
            {
                // Allow-list mode: a document outside the list never reaches the parser (a cached plan was allowed).
                await WriteAsync(http, mediaType, mediaType == GraphQLResponse ? 400 : 200, new JsonObject { ["errors"] = new JsonArray(Error("The document is not in this endpoint's allow-list", "PERSISTED_QUERY_NOT_ALLOWED")) });
                return;
            }

            var (built, errors, introspection) = await BuildAsync(request);
            if (introspection is not null)
            {
                await WriteAsync(http, mediaType, 200, introspection);
                return;
            }

            if (built is null)
            {
                GraphQLLog.OperationRefused(state.Runtime.Logger, state.RouteId, errors![0]["message"]!.GetValue<string>());
                await WriteAsync(http, mediaType, mediaType == GraphQLResponse ? 400 : 200, new JsonObject { ["errors"] = new JsonArray([.. errors]) });
                return;
            }

            plan = built;
            if (request.PersistedHash is { } hash)
            {
                persisted.Register(hash, query);
            }

            if (state.Plans.Count >= GraphQLLimits.MaxCachedPlans)
            {
                state.Plans.Clear();
            }

            state.Plans.TryAdd(key, plan);
        }

        var cost = plan!.Cost;
        if (hit && plan.CostReadsVariables)
        {
            // A list size read from a variable: this request's variables decide the cost, checked before any call.
            cost = OperationCost.Of(state, plan.Operation, request.Variables, out _);
            if (CostExceeded(cost) is { } costError)
            {
                await WriteAsync(http, mediaType, mediaType == GraphQLResponse ? 400 : 200, new JsonObject { ["errors"] = new JsonArray(costError) });
                return;
            }
        }

        if (plan.IsMutation && !HttpMethods.IsPost(http.Request.Method))
        {
            // GraphQL over HTTP §6.4.1: a mutation over GET is refused, so that a link or a prefetch cannot change data.
            http.Response.Headers.Allow = "POST";
            await ProblemResponse.WriteAsync(http, GatewayProblems.MethodNotAllowed, "send mutations with POST");
            return;
        }

        // Rate limits in cost units: the rate-limit stage took the request's one token; the rest of the cost is taken
        // now that the operation is known, before any subgraph call (docs/graphql.md#rate-limits-in-cost-units).
        if (state.RateLimitByCost && cost > 1 && !await state.Runtime.Charge.TryChargeAsync(context, cost - 1))
        {
            return;
        }

        using var deadline = new CancellationTokenSource(state.Timeout, state.Runtime.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, http.RequestAborted);
        var execution = new PlanExecution(state, plan, request.Variables, context, linked.Token);
        await execution.RunAsync();
        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var data = new ResponseShaper(state.Graph, request.Variables).Shape(plan.Operation, execution.Data);
        var answer = new JsonObject();
        if (execution.Errors.Count > 0)
        {
            answer["errors"] = new JsonArray([.. execution.Errors]);
        }

        answer["data"] = data;
        await WriteAsync(http, mediaType, 200, answer);
    }

    /// <summary>The plan of a document not seen before; GraphQL errors, or an introspection answer, instead.</summary>
    private async Task<(QueryPlan? Plan, List<JsonObject>? Errors, JsonObject? Introspection)> BuildAsync(GraphQLRequest request)
    {
        GraphQLDocument document;
        try
        {
            document = Parser.Parse(request.Query, new ParserOptions { Ignore = IgnoreOptions.Comments, MaxDepth = 64 });
        }
        catch (GraphQLParserException ex)
        {
            var error = Error($"Syntax error: {ex.Description}", "GRAPHQL_PARSE_FAILED");
            error["locations"] = new JsonArray(new JsonObject { ["line"] = ex.Location.Line, ["column"] = ex.Location.Column });

            return (null, [error], null);
        }

        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        var operation = request.OperationName is null
            ? operations.Count == 1 ? operations[0] : null
            : operations.FirstOrDefault(o => o.Name?.StringValue == request.OperationName);
        if (operation is null)
        {
            return (null, [Error(request.OperationName is null ? "The document has several operations: name one with 'operationName'" : $"The document has no operation '{request.OperationName}'", "OPERATION_RESOLUTION_FAILURE")], null);
        }

        if (operation.Operation == OperationType.Subscription)
        {
            return (null, [Error("Subscriptions are not supported by this endpoint", "OPERATION_NOT_SUPPORTED")], null);
        }

        var validation = await Validator.ValidateAsync(new ValidationOptions
        {
            Schema = state.Schema,
            Document = document,
            Operation = operation,
            Rules = DocumentValidator.CoreRules,
            Variables = GraphQLInputs.From(request.Variables),
        });
        if (!validation.IsValid)
        {
            return (null, [.. validation.Errors.Select(e => ValidationError(e))], null);
        }

        var normalized = new OperationNormalizer(document, request.Query, state.MaxDepth, state.MaxAliases).Normalize(operation, out var limitError);
        if (normalized is null)
        {
            return (null, [Error(limitError!, "OPERATION_LIMIT_EXCEEDED")], null);
        }

        var cost = OperationCost.Of(state, normalized, request.Variables, out var costReadsVariables);
        if (CostExceeded(cost) is { } costError)
        {
            return (null, [costError], null);
        }

        if (normalized.Introspects)
        {
            if (!state.Introspection)
            {
                return (null, [Error("Introspection is disabled on this endpoint", "INTROSPECTION_DISABLED")], null);
            }

            if (normalized.Selections.Any(s => !s.FieldName.StartsWith("__", StringComparison.Ordinal)))
            {
                return (null, [Error("Send introspection (__schema, __type) in an operation of its own", "OPERATION_NOT_SUPPORTED")], null);
            }

            return (null, null, await IntrospectAsync(request, document));
        }

        var plan = new QueryPlanner(state.Graph).Plan(normalized, cost, costReadsVariables, out var planError);
        return plan is null ? (null, [Error(planError!, "QUERY_PLAN_FAILED")], null) : (plan, null, null);
    }

    private async Task<JsonObject> IntrospectAsync(GraphQLRequest request, GraphQLDocument document)
    {
        var result = await new DocumentExecuter().ExecuteAsync(new ExecutionOptions
        {
            Schema = state.Schema,
            Document = document,
            Query = request.Query,
            OperationName = request.OperationName,
            Variables = GraphQLInputs.From(request.Variables),
            ValidationRules = DocumentValidator.CoreRules,
        });
        var text = new global::GraphQL.SystemTextJson.GraphQLSerializer().Serialize(result);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The error refusing an operation of <paramref name="cost"/> over the route's <c>maxCost</c>; null when it is within.</summary>
    private JsonObject? CostExceeded(long cost) =>
        state.MaxCost is { } maxCost && cost > maxCost
            ? Error($"the operation costs {cost}; this endpoint allows at most {maxCost}", "OPERATION_COST_EXCEEDED")
            : null;

    private static JsonObject ValidationError(ExecutionError error)
    {
        var json = Error(error.Message, "GRAPHQL_VALIDATION_FAILED");
        if (error.Locations is { Count: > 0 } locations)
        {
            json["locations"] = new JsonArray([.. locations.Select(l => (JsonNode)new JsonObject { ["line"] = l.Line, ["column"] = l.Column })]);
        }

        return json;
    }

    private static JsonObject Error(string message, string code) =>
        new() { ["message"] = message, ["extensions"] = new JsonObject { ["code"] = code } };

    /// <summary>GraphQL over HTTP §6.4.1: <c>application/graphql-response+json</c> when asked for, <c>application/json</c> otherwise.</summary>
    private static string? Negotiate(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return Json;
        }

        string? chosen = null;
        foreach (var type in types.Where(t => t.Quality is not 0).OrderByDescending(t => t.Quality ?? 1))
        {
            var name = type.MediaType.ToString();
            if (name.Equals(GraphQLResponse, StringComparison.OrdinalIgnoreCase))
            {
                return GraphQLResponse;
            }

            if (name.Equals(Json, StringComparison.OrdinalIgnoreCase) || name is "*/*" or "application/*")
            {
                chosen ??= Json;
            }
        }

        return chosen;
    }

    private static Task WriteAsync(HttpContext http, string mediaType, int status, JsonObject answer)
    {
        // Like every JSON answer Portico composes, the body ends with a newline.
        byte[] body = [.. JsonSerializer.SerializeToUtf8Bytes(answer, GraphQLJson.Options), (byte)'\n'];
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = mediaType + "; charset=utf-8";
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }
}
