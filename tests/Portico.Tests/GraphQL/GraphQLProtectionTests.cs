using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>Cost limits and persisted queries (automatic, and allow-list mode) refuse with the right errors before any subgraph call.</summary>
public sealed class GraphQLProtectionTests
{
    private const string Me = "{ me { name } }";

    [Fact]
    public async Task Post_OverMaxCost_RefusedWithCostAndNoSubgraphCall()
    {
        await using var gateway = await GraphQLGateway.StartAsync("\"maxCost\": 3, \"fieldCosts\": { \"User.reviews\": 5 },");

        var (_, _, cheap) = await gateway.PostAsync(Me);
        var calls = gateway.SubgraphCalls;
        var (_, _, costly) = await gateway.PostAsync("{ me { reviews { body } } }");

        Assert.Equal("Ada Lovelace", cheap["data"]!["me"]!["name"]!.GetValue<string>());
        var error = Assert.Single(costly["errors"]!.AsArray())!;
        Assert.Equal("OPERATION_COST_EXCEEDED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("the operation costs 7; this endpoint allows at most 3", error["message"]!.GetValue<string>());
        Assert.Equal(calls, gateway.SubgraphCalls);
    }

    [Fact]
    public async Task Post_AutomaticPersistedQuery_NotFoundThenRegisteredThenServedByHash()
    {
        await using var gateway = await GraphQLGateway.StartAsync("\"persistedQueries\": { \"mode\": \"apq\" },");
        var hash = Sha256(Me);

        var unknown = await PostPersistedAsync(gateway, null, hash);
        var mismatch = await PostPersistedAsync(gateway, "{ me { id } }", hash);
        var registered = await PostPersistedAsync(gateway, Me, hash);
        var byHash = await PostPersistedAsync(gateway, null, hash);

        Assert.Equal("PERSISTED_QUERY_NOT_FOUND", unknown["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("PERSISTED_QUERY_HASH_MISMATCH", mismatch["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("""{"data":{"me":{"name":"Ada Lovelace"}}}""", registered.ToJsonString());
        Assert.Equal("""{"data":{"me":{"name":"Ada Lovelace"}}}""", byHash.ToJsonString());
        Assert.Equal(2, gateway.Accounts.Count);
    }

    [Fact]
    public async Task Post_AllowListMode_OnlyListedDocumentsRun()
    {
        var hash = Sha256(Me);
        await using var gateway = await GraphQLGateway.StartAsync($$"""
            "persistedQueries": { "mode": "allowList", "documents": { "{{hash}}": {{JsonSerializer.Serialize(Me)}} } },
            """);

        var byHash = await PostPersistedAsync(gateway, null, hash);
        var (_, _, byText) = await gateway.PostAsync(Me);
        var (status, _, other) = await gateway.PostAsync("{ me { id } }", accept: "application/graphql-response+json");

        Assert.Equal("""{"data":{"me":{"name":"Ada Lovelace"}}}""", byHash.ToJsonString());
        Assert.Equal("""{"data":{"me":{"name":"Ada Lovelace"}}}""", byText.ToJsonString());
        Assert.Equal(400, status);
        Assert.Equal("PERSISTED_QUERY_NOT_ALLOWED", other["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal(2, gateway.Accounts.Count);
    }

    [Fact]
    public async Task Compile_PersistedDocumentUnderWrongHashOrUnknownCostField_ConfigurationErrors()
    {
        var json = GraphQLGateway.Registry("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4",
            "\"fieldCosts\": { \"User.nickname\": 2 }, \"persistedQueries\": { \"mode\": \"allowList\", \"documents\": { \"" + new string('a', 64) + "\": \"{ me { name } }\" } },");

        var messages = (await RegistryValidation.ErrorsAsync(json)).Select(e => e.Message).ToList();

        Assert.Contains(messages, m => m.Contains("'User.nickname' is not a field of the composed schema", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("the key must be the lowercase hex SHA-256 of the document, " + Sha256(Me), StringComparison.Ordinal));
    }

    private static async Task<JsonObject> PostPersistedAsync(GraphQLGateway gateway, string? query, string hash)
    {
        var body = new JsonObject { ["extensions"] = new JsonObject { ["persistedQuery"] = new JsonObject { ["version"] = 1, ["sha256Hash"] = hash } } };
        if (query is not null)
        {
            body["query"] = query;
        }

        using var response = await gateway.Host.Client.PostAsync("/graphql", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
