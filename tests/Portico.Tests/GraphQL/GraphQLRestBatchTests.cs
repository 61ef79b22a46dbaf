using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>
/// REST batch endpoints: a REST field of an entity with a <c>batch</c> endpoint is resolved for many parents in one
/// call (split by <c>maxSize</c>), items matched by key or by position; without one, one call per distinct URL. The
/// answers are the same either way; only the call count differs.
/// </summary>
public sealed class GraphQLRestBatchTests
{
    // Four reviews by users 1, 2, 1 and 3: three distinct parents of User.rating.
    private const string Query = "{ topReviews(first: 4) { body author { name rating { stars count } } } }";

    [Theory]
    [InlineData(GraphQLGateway.RatingByUser, 3, "/ratings/1 /ratings/2 /ratings/3")]
    [InlineData("""{ "path": "/ratings/{parent.id}", "batch": { "path": "/ratings?ids={parents.id}", "pointer": "/items", "itemKey": "userId" } }""", 1, "/ratings?ids=1%2C2%2C3")]
    [InlineData("""{ "path": "/ratings/{parent.id}", "batch": { "path": "/ratings-in-order?ids={parents.id}" } }""", 1, "/ratings-in-order?ids=1%2C2%2C3")]
    [InlineData("""{ "path": "/ratings/{parent.id}", "batch": { "path": "/ratings?ids={parents.id}", "pointer": "/items", "itemKey": "userId", "maxSize": 2 } }""", 2, "/ratings?ids=1%2C2 /ratings?ids=3")]
    public async Task Post_RestFieldOfManyParents_BatchedOrDeduplicatedWithSameAnswer(string ratingField, int calls, string targets)
    {
        await using var gateway = await GraphQLGateway.StartAsync(ratingField: ratingField);

        var (_, _, answer) = await gateway.PostAsync(Query);

        Assert.Equal(
            """{"data":{"topReviews":[{"body":"A fine engine","author":{"name":"Ada Lovelace","rating":{"stars":2,"count":10}}},{"body":"Computable","author":{"name":"Alan Turing","rating":{"stars":3,"count":20}}},{"body":"Poetical science","author":{"name":"Ada Lovelace","rating":{"stars":2,"count":10}}},{"body":"Nanoseconds","author":{"name":"Grace Hopper","rating":{"stars":4,"count":30}}}]}}""",
            answer.ToJsonString());
        Assert.Equal(calls, gateway.Ratings.Count);
        Assert.Equal(targets, string.Join(' ', gateway.Ratings.Requests.Select(r => r.RawTarget).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Post_BatchAnswerWithWrongItemCount_ErrorAndNullFields()
    {
        // The ordered endpoint answers one item per id; a pointer into it finds no array.
        await using var gateway = await GraphQLGateway.StartAsync(ratingField: """{ "path": "/ratings/{parent.id}", "batch": { "path": "/ratings-in-order?ids={parents.id}", "pointer": "/0" } }""");

        var (_, _, answer) = await gateway.PostAsync("{ me { name rating { stars } } }");

        var error = Assert.Single(answer["errors"]!.AsArray())!;
        Assert.Equal("the batch call of 'User.rating' for 1 key answered no array", error["message"]!.GetValue<string>());
        Assert.Equal("""["me","rating"]""", error["path"]!.ToJsonString());
        Assert.Equal("""{"code":"SUBGRAPH_FETCH_FAILED","subgraph":"ratings"}""", error["extensions"]!.ToJsonString());
        Assert.Equal("""{"me":{"name":"Ada Lovelace","rating":null}}""", answer["data"]!.ToJsonString());
    }

    [Fact]
    public async Task Compile_BadBatch_ConfigurationErrorsNamingTheField()
    {
        var json = GraphQLGateway.Registry("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4",
            ratingField: """{ "path": "/ratings/{parent.id}", "batch": { "path": "/ratings?ids={parents.uid}&x={parent.id}&y={args.first}", "maxSize": 0 } }""");

        var errors = (await RegistryValidation.ErrorsAsync(json)).Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.Contains("graphql.subgraphs[3].fields.User.rating.batch.path: subgraph 'ratings': '{parents.uid}': 'User' has no field 'uid' to read", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.subgraphs[3].fields.User.rating.batch.path: subgraph 'ratings': '{parent.id}': a batch path reads", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.subgraphs[3].fields.User.rating.batch.path: subgraph 'ratings': '{args.first}': 'User.rating' has no argument 'first'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.subgraphs[3].fields.User.rating.batch.maxSize: subgraph 'ratings': must be between 1 and 1000", StringComparison.Ordinal));
    }
}
