using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>Composition errors are configuration errors naming the route, the subgraphs and the fields; the last good snapshot keeps serving.</summary>
public sealed class GraphQLCompositionTests
{
    [Theory]
    [InlineData("type Query { a: Int } type T { x: Int }", "type Query { b: Int } type T { x: String }",
        "conflicting field types: 'T.x' is 'Int' in subgraph 'one' and 'String' in subgraph 'two'")]
    [InlineData("type Query { u: U } type U @key(fields: \"uid\") { id: ID! }", "type Query { b: Int }",
        "subgraph 'one': the @key of 'U' names 'uid', which is not a field of 'U'")]
    [InlineData("type Query { a: Int } type Lost { x: Int }", "type Query { b: Int }",
        "type 'Lost' (subgraphs 'one') is unreachable: no field of Query or Mutation leads to it")]
    [InlineData("type Query { a: Missing }", "type Query { b: Int }",
        "field 'Query.a' (subgraph 'one') has type 'Missing', which no subgraph defines")]
    [InlineData("type Query { a: Int } type T { x: Int }", "type Query { b: T } union T = Query",
        "type 'T' is an object type in subgraphs 'one' but a union in subgraph 'two'")]
    [InlineData("type Query { a: Int", "type Query { b: Int }",
        "subgraph 'one': the SDL is not valid GraphQL")]
    public async Task Compile_CompositionError_NamesRouteSubgraphsAndFields(string one, string two, string expected)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(one, two));

        var error = Assert.Single(errors);
        Assert.Contains("route 'g'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_RestFieldProblems_NameTheSubgraphAndField()
    {
        var json = $$"""
            {
              "backends": [ { "id": "b", "url": "http://127.0.0.1:1" } ],
              "routes": [ { "id": "g", "auth": "anonymous", "match": { "path": "/g" }, "graphql": { "subgraphs": [
                { "name": "rest", "backend": "b", "kind": "rest", "sdl": {{JsonSerializer.Serialize("type Query { a: Int b: T c(id: ID!): Int } type T { x: Int }")}},
                  "fields": { "Query.a": { "path": "/a/{parent.id}" }, "T.nope": { "path": "/n" }, "Query.c": { "path": "/c/{args.id}?x={args.nope}" } } } ] } } ]
            }
            """;

        var messages = (await RegistryValidation.ErrorsAsync(json)).Select(e => e.Message).ToList();

        Assert.Contains(messages, m => m.Contains("'{parent.id}': 'Query' has no field 'id' to read", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'T.nope' is not a field its SDL defines", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'{args.nope}': 'Query.c' has no argument 'nope'", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("{args.id}", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("root field 'Query.b' has no REST call in 'fields'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_CompositionError_LastGoodSchemaKeepsServing()
    {
        await using var gateway = await GraphQLGateway.StartAsync();
        var conflicting = TestSubgraphs.AccountsSdl.Replace("name: String!", "name: String! reviews: Int", StringComparison.Ordinal);

        await gateway.Host.WriteConfigAsync(GraphQLGateway.Registry(gateway.Accounts.Url, gateway.Reviews.Url, gateway.Catalog.Url, gateway.Ratings.Url, accountsSdl: conflicting));

        Assert.True(await Eventually.TrueAsync(() => gateway.Host.Logs.Entries.Any(e => e.EventId.Id == 101), TimeSpan.FromSeconds(10)), "no rejection was logged");
        Assert.Contains("conflicting field types: 'User.reviews'", gateway.Host.Logs.Entries.First(e => e.EventId.Id == 101).Message, StringComparison.Ordinal);
        var (status, _, body) = await gateway.PostAsync("{ me { name reviews { body } } }");
        Assert.Equal(200, status);
        Assert.Equal("Poetical science", body["data"]!["me"]!["reviews"]![1]!["body"]!.GetValue<string>());
    }

    private static string Registry(string one, string two) => $$"""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:1" } ],
          "routes": [ { "id": "g", "auth": "anonymous", "match": { "path": "/g" }, "graphql": { "subgraphs": [
            { "name": "one", "backend": "b", "sdl": {{JsonSerializer.Serialize(one)}} },
            { "name": "two", "backend": "b", "kind": "graphql", "sdl": {{JsonSerializer.Serialize(two)}} } ] } } ]
        }
        """;
}
