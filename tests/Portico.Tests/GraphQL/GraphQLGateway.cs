using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>A gateway with one GraphQL route (<c>/graphql</c>) over the four <see cref="TestSubgraphs"/>, which it owns.</summary>
public sealed class GraphQLGateway : IAsyncDisposable
{
    private GraphQLGateway(GatewayHost host, TestSubgraph accounts, TestSubgraph reviews, TestSubgraph catalog, TestSubgraph ratings)
    {
        Host = host;
        Accounts = accounts;
        Reviews = reviews;
        Catalog = catalog;
        Ratings = ratings;
    }

    public GatewayHost Host { get; }

    public TestSubgraph Accounts { get; }

    public TestSubgraph Reviews { get; }

    public TestSubgraph Catalog { get; }

    public TestSubgraph Ratings { get; }

    /// <summary>
    /// Starts the subgraphs and a gateway; <paramref name="extra"/> is added to the route's <c>graphql</c> object,
    /// <paramref name="routeExtra"/> to the route, <paramref name="sections"/> to the registry, and <paramref name="ratingField"/>
    /// is the REST call of <c>User.rating</c>.
    /// </summary>
    public static async Task<GraphQLGateway> StartAsync(string extra = "", string? ratingsUrl = null, string routeExtra = "", string sections = "", string ratingField = RatingByUser)
    {
        var accounts = await TestSubgraphs.StartAccountsAsync();
        var reviews = await TestSubgraphs.StartReviewsAsync();
        var catalog = await TestSubgraphs.StartCatalogAsync();
        var ratings = await TestSubgraphs.StartRatingsAsync();
        var host = await GatewayHost.StartWithFileAsync(Registry(accounts.Url, reviews.Url, catalog.Url, ratingsUrl ?? ratings.Url, extra, routeExtra: routeExtra, sections: sections, ratingField: ratingField));
        return new GraphQLGateway(host, accounts, reviews, catalog, ratings);
    }

    /// <summary>The REST call of <c>User.rating</c>: one per user.</summary>
    public const string RatingByUser = """{ "path": "/ratings/{parent.id}" }""";

    /// <summary>The registry of the gateway: four backends, one GraphQL route.</summary>
    public static string Registry(string accounts, string reviews, string catalog, string ratings, string extra = "", string accountsSdl = TestSubgraphs.AccountsSdl, string routeExtra = "", string sections = "", string ratingField = RatingByUser) => $$"""
        { {{sections}}
          "backends": [
            { "id": "accounts", "url": "{{accounts}}" }, { "id": "reviews", "url": "{{reviews}}" },
            { "id": "catalog", "url": "{{catalog}}" }, { "id": "ratings", "url": "{{ratings}}" }
          ],
          "routes": [ { "id": "graph", "auth": "anonymous", "match": { "path": "/graphql", "methods": ["GET", "POST"] }, {{routeExtra}}
            "graphql": { {{extra}}
              "subgraphs": [
                { "name": "accounts", "backend": "accounts", "sdl": {{JsonSerializer.Serialize(accountsSdl)}} },
                { "name": "reviews", "backend": "reviews", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.ReviewsSdl)}} },
                { "name": "catalog", "backend": "catalog", "kind": "graphql", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.CatalogSdl)}} },
                { "name": "ratings", "backend": "ratings", "kind": "rest", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.RatingsSdl)}},
                  "fields": {
                    "User.rating": {{ratingField}},
                    "Query.weather": { "path": "/weather?city={args.city}", "pointer": "/data" }
                  } }
              ] } } ]
        }
        """;

    /// <summary>POSTs an operation and returns the status, media type and JSON answer.</summary>
    public async Task<(int Status, string? MediaType, JsonObject Body)> PostAsync(string query, object? variables = null, string? accept = null, string? operationName = null)
    {
        var body = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            body["variables"] = JsonSerializer.SerializeToNode(variables);
        }

        if (operationName is not null)
        {
            body["operationName"] = operationName;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        using var response = await Host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>POSTs an operation to <paramref name="host"/>'s <c>/graphql</c> and returns the answer's text, without its final newline.</summary>
    public static async Task<string> PostTextAsync(GatewayHost host, string query)
    {
        var body = new JsonObject { ["query"] = query }.ToJsonString();
        using var response = await host.Client.PostAsync("/graphql", new StringContent(body, Encoding.UTF8, "application/json"));
        return (await response.Content.ReadAsStringAsync()).TrimEnd('\n');
    }

    /// <summary>Calls the subgraphs received, in total.</summary>
    public int SubgraphCalls => Accounts.Count + Reviews.Count + Catalog.Count + Ratings.Count;

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Accounts.DisposeAsync();
        await Reviews.DisposeAsync();
        await Catalog.DisposeAsync();
        await Ratings.DisposeAsync();
    }
}
