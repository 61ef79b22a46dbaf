using System.Text;
using System.Text.Json.Nodes;

namespace Portico.Tests.GraphQL;

/// <summary>
/// Rate limits in cost units: on a route with <c>rateLimitBy: "cost"</c> the route's policies count an operation's
/// cost (at least the request's one token), refuse with the usual 429 before any subgraph call, and report what is
/// left after the charge; on other routes they count one token per request.
/// </summary>
public sealed class GraphQLRateLimitTests
{
    // me, name, reviews, body: 4 units.
    private const string Costly = "{ me { name reviews { body } } }";

    private const string Policy = """
        "rateLimitPolicies": [ { "id": "graph-cost", "key": ["clientIp"], "rate": { "requests": 10, "per": "1h" }, "store": "local" } ],
        """;

    private const string RouteLimit = "\"rateLimit\": { \"policies\": [\"graph-cost\"] },";

    [Fact]
    public async Task Post_CostCountedRoute_ChargesCostThenRefusesWith429BeforeAnySubgraphCall()
    {
        await using var gateway = await GraphQLGateway.StartAsync("\"rateLimitBy\": \"cost\",", routeExtra: RouteLimit, sections: Policy);

        var first = await SendAsync(gateway, Costly);
        var second = await SendAsync(gateway, Costly);
        var calls = gateway.SubgraphCalls;
        var refused = await SendAsync(gateway, Costly);
        var callsAfterRefusal = gateway.SubgraphCalls;
        var free = await SendAsync(gateway, "{ __typename }");
        var empty = await SendAsync(gateway, "{ __typename }");

        Assert.Equal((200, "\"graph-cost\";r=6"), (first.Status, first.RateLimit![..16]));
        Assert.Equal((200, "\"graph-cost\";r=2"), (second.Status, second.RateLimit![..16]));
        Assert.Equal(429, refused.Status);
        Assert.Equal("rate-limited", refused.Body["code"]!.GetValue<string>());
        Assert.Equal("graph-cost", refused.Body["policy"]!.GetValue<string>());
        Assert.Equal("\"graph-cost\";r=0", refused.RateLimit![..16]);
        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(calls, callsAfterRefusal);
        Assert.Equal(200, free.Status); // the refused operation kept only its request's token: one is left
        Assert.Equal("{\"data\":{\"__typename\":\"Query\"}}", free.Body.ToJsonString());
        Assert.Equal(429, empty.Status);
    }

    [Fact]
    public async Task Post_RequestCountedRoute_ChargesOneTokenPerOperation()
    {
        await using var gateway = await GraphQLGateway.StartAsync(routeExtra: RouteLimit, sections: Policy);

        var first = await SendAsync(gateway, Costly);
        var second = await SendAsync(gateway, Costly);

        Assert.Equal((200, "\"graph-cost\";r=9"), (first.Status, first.RateLimit![..16]));
        Assert.Equal((200, "\"graph-cost\";r=8"), (second.Status, second.RateLimit![..16]));
    }

    [Fact]
    public async Task Compile_RateLimitByUnknown_ConfigurationError()
    {
        var json = GraphQLGateway.Registry("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4", "\"rateLimitBy\": \"bytes\",");

        var errors = await Infrastructure.RegistryValidation.ErrorsAsync(json);

        Assert.Contains(errors, e => e.ToString().Contains("route 'graph': graphql.rateLimitBy: must be 'requests' or 'cost'", StringComparison.Ordinal));
    }

    private static async Task<(int Status, string? RateLimit, string? RetryAfter, JsonObject Body)> SendAsync(GraphQLGateway gateway, string query)
    {
        var body = new JsonObject { ["query"] = query }.ToJsonString();
        using var response = await gateway.Host.Client.PostAsync("/graphql", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        var rateLimit = response.Headers.TryGetValues("RateLimit", out var values) ? string.Join(", ", values) : null;
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var retry) ? string.Join(", ", retry) : null;
        return ((int)response.StatusCode, rateLimit, retryAfter, JsonNode.Parse(text)!.AsObject());
    }
}
