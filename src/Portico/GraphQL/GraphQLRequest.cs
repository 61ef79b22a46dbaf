using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portico.Aggregation;
using Portico.Problems;

namespace Portico.GraphQL;

/// <summary>A GraphQL-over-HTTP request: <c>query</c>, <c>operationName</c> and <c>variables</c> from the query string (GET) or a JSON body (POST).</summary>
internal sealed record GraphQLRequest(string Query, string? OperationName, JsonObject? Variables, string? PersistedHash = null)
{
    /// <summary>Reads the request; a problem (and a detail) when the HTTP request itself is unusable.</summary>
    public static async Task<(GraphQLRequest? Request, Problem? Problem, string? Detail)> ReadAsync(HttpContext http, long maxBody)
    {
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method))
        {
            var query = request.Query["query"].ToString();
            var operationName = request.Query["operationName"].ToString();
            if (!TryObjectParameter(request, "variables", out var variables) || !TryObjectParameter(request, "extensions", out var extensions))
            {
                return (null, GatewayProblems.BadRequest, "the 'variables' and 'extensions' parameters must be JSON objects");
            }

            return Checked(new GraphQLRequest(query, operationName.Length == 0 ? null : operationName, variables, HashOf(extensions)));
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return (null, GatewayProblems.MethodNotAllowed, "a GraphQL endpoint accepts GET and POST");
        }

        var mediaType = request.ContentType is { } contentType && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed.MediaType.ToString()
            : null;
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, GatewayProblems.UnsupportedMediaType, "send the request as application/json");
        }

        var (body, problem) = await ClientBody.ReadAsync(http, maxBody);
        if (problem is not null)
        {
            return (null, problem, null);
        }

        using (body)
        {
            if (!JsonText.JsonUnicode.IsValid(body!.Memory.Span))
            {
                return (null, GatewayProblems.BadRequest, "the body is not valid JSON: " + JsonText.JsonUnicode.Problem);
            }

            try
            {
                if (JsonNode.Parse(body!.Memory.Span) is not JsonObject json)
                {
                    return (null, GatewayProblems.BadRequest, "the body must be a JSON object");
                }

                var query = "";
                if (json["query"] is { } queryNode && (queryNode is not JsonValue queryValue || !queryValue.TryGetValue(out query)))
                {
                    return (null, GatewayProblems.BadRequest, "'query' must be a string");
                }

                if (json["extensions"] is { } e && e is not JsonObject)
                {
                    return (null, GatewayProblems.BadRequest, "'extensions' must be a JSON object");
                }

                string? operationName = null;
                if (json["operationName"] is { } op && (op is not JsonValue opValue || !opValue.TryGetValue(out operationName)))
                {
                    return (null, GatewayProblems.BadRequest, "'operationName' must be a string");
                }

                if (json["variables"] is { } v && v is not JsonObject)
                {
                    return (null, GatewayProblems.BadRequest, "'variables' must be a JSON object");
                }

                var variables = json["variables"] as JsonObject;
                json.Remove("variables");
                return Checked(new GraphQLRequest(query!, operationName, variables, HashOf(json["extensions"] as JsonObject)));
            }
            catch (JsonException)
            {
                return (null, GatewayProblems.BadRequest, "the body is not valid JSON");
            }
        }
    }

    /// <summary>A query parameter holding a JSON object (GraphQL over HTTP §6.3.1 for <c>GET</c>); null when absent, false when not an object.</summary>
    private static bool TryObjectParameter(HttpRequest request, string name, out JsonObject? value)
    {
        value = null;
        if (request.Query[name].ToString() is not { Length: > 0 } text)
        {
            return true;
        }

        if (!JsonText.JsonUnicode.IsValid(System.Text.Encoding.UTF8.GetBytes(text)))
        {
            return false;
        }

        try
        {
            value = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        return value is not null;
    }

    /// <summary>The <c>extensions.persistedQuery.sha256Hash</c> of automatic persisted queries, when sent.</summary>
    private static string? HashOf(JsonObject? extensions) =>
        extensions?["persistedQuery"]?["sha256Hash"] is JsonValue hash && hash.TryGetValue<string>(out var text) ? text : null;

    private static (GraphQLRequest?, Problem?, string?) Checked(GraphQLRequest request) =>
        request.Query.Length == 0 && request.PersistedHash is null ? (null, GatewayProblems.BadRequest, "the request has no 'query'")
        : request.Query.Length > GraphQLLimits.MaxDocumentLength ? (null, GatewayProblems.BadRequest, $"the document is longer than {GraphQLLimits.MaxDocumentLength} characters")
        : (request, null, null);
}
