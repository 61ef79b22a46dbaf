using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Proxy;

namespace Portico.GraphQL;

/// <summary>
/// Reads a subgraph's schema from the subgraph itself when the registry is loaded (<c>introspect: true</c>,
/// docs/graphql.md#subgraphs-and-composition): a federated subgraph by the Federation <c>_service { sdl }</c> field,
/// which keeps its <c>@key</c> and <c>@external</c> directives; a plain GraphQL service by the standard introspection
/// query, turned into SDL (<see cref="IntrospectionSdl"/>). One call per subgraph, bounded by
/// <see cref="GraphQLLimits.IntrospectionTimeout"/> and <see cref="GraphQLLimits.MaxSubgraphResponseSize"/>.
/// </summary>
internal static class SubgraphIntrospection
{
    public const string ServiceQuery = "query PorticoService { _service { sdl } }";

    public const string SchemaQuery = """
        query PorticoIntrospection { __schema { queryType { name } mutationType { name } types {
          kind name interfaces { name } possibleTypes { name } enumValues(includeDeprecated: true) { name }
          fields(includeDeprecated: true) { name type { ...T } args { name defaultValue type { ...T } } }
          inputFields { name defaultValue type { ...T } } } } }
        fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        """;

    /// <summary>The SDL of the subgraph at <paramref name="endpoint"/>, or why it could not be read.</summary>
    public static async Task<(string? Sdl, string? Error)> ReadAsync(CompiledBackend backend, Uri endpoint, bool federated, CancellationToken token)
    {
        var query = federated ? ServiceQuery : SchemaQuery;
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = new StringContent(new JsonObject { ["query"] = query }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/graphql-response+json, application/json");
        try
        {
            using var response = await backend.Invoker.SendAsync(request, token);
            var status = (int)response.StatusCode;
            if (status is < 200 or >= 300 && response.Content.Headers.ContentType?.MediaType != "application/graphql-response+json")
            {
                return (null, $"the subgraph answered status {status}");
            }

            var body = await SubgraphAnswer.ReadAsync(response.Content, token);
            if (body is null)
            {
                return (null, $"the answer is larger than {GraphQLLimits.MaxSubgraphResponseSize} bytes");
            }

            if (!JsonText.JsonUnicode.IsValid(body))
            {
                return (null, "the answer is not valid JSON: " + JsonText.JsonUnicode.Problem);
            }

            var json = JsonNode.Parse(body) as JsonObject;
            if (json?["errors"] is JsonArray { Count: > 0 } errors)
            {
                return (null, $"the subgraph answered an error: {errors[0]?["message"]?.ToString() ?? "(no message)"}");
            }

            if (federated)
            {
                return json?["data"]?["_service"]?["sdl"] is JsonValue sdl && sdl.TryGetValue<string>(out var text)
                    ? (text, null)
                    : (null, "the answer has no '_service.sdl' (a federated subgraph implements the Federation '_service' field; use kind 'graphql' for a plain service)");
            }

            return json?["data"]?["__schema"] is JsonObject schema ? IntrospectionSdl.From(schema) : (null, "the answer has no '__schema'");
        }
        catch (JsonException)
        {
            return (null, "the answer is not valid JSON");
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return (null, $"no answer within {GraphQLLimits.IntrospectionTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return (null, $"the subgraph cannot be reached ({ex.HttpRequestError})");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            return (null, $"the subgraph cannot be read ({ex.GetType().Name})");
        }
    }
}
