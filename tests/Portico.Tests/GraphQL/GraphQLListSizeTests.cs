using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>
/// List sizes in the cost: a list field's selections count once per item, the size read from its slicing arguments
/// (literal, variable or the variable's default, per request even when the plan is cached), else an assumed size;
/// sums saturate instead of overflowing; bad <c>listSizes</c> are configuration errors.
/// </summary>
public sealed class GraphQLListSizeTests
{
    private const string Limits = """
        "maxCost": 20, "defaultListSize": 1000000,
        "listSizes": { "Query.topReviews": { "slicingArguments": ["first"], "assumedSize": 10 }, "User.reviews": { "assumedSize": 5 } },
        """;

    private const string TopReviews = "query($n: Int!) { topReviews(first: $n) { body author { name } } }";

    [Fact]
    public async Task Post_SlicingArgumentLiteral_MultipliesSelectionsAndRefusesOverMaxCost()
    {
        await using var gateway = await GraphQLGateway.StartAsync(Limits);

        var (_, _, small) = await gateway.PostAsync("{ topReviews(first: 3) { body } }");
        var calls = gateway.SubgraphCalls;
        var (_, _, large) = await gateway.PostAsync("{ topReviews(first: 30) { body } }");
        var (_, _, assumed) = await gateway.PostAsync("{ me { reviews { body } } }");

        Assert.Equal(3, small["data"]!["topReviews"]!.AsArray().Count);
        Assert.Equal("the operation costs 31; this endpoint allows at most 20", large["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("OPERATION_COST_EXCEEDED", large["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Null(assumed["errors"]); // me 1 + reviews 1 + 5 × body 1 = 7
        Assert.Equal(2, assumed["data"]!["me"]!["reviews"]!.AsArray().Count);
        Assert.Equal(calls + 2, gateway.SubgraphCalls); // the refused operation called nothing
    }

    [Fact]
    public async Task Post_SlicingArgumentFromVariable_CostedPerRequestWithCachedPlan()
    {
        await using var gateway = await GraphQLGateway.StartAsync(Limits);

        var (_, _, two) = await gateway.PostAsync(TopReviews, new { n = 2 });
        var calls = gateway.SubgraphCalls;
        var (_, _, ten) = await gateway.PostAsync(TopReviews, new { n = 10 });
        var (_, _, byDefault) = await gateway.PostAsync("query($n: Int! = 50) { topReviews(first: $n) { body } }");

        Assert.True(two["data"]?["topReviews"] is not null, two.ToJsonString());
        Assert.Equal(2, two["data"]!["topReviews"]!.AsArray().Count);
        Assert.Equal("the operation costs 31; this endpoint allows at most 20", ten["errors"]![0]!["message"]!.GetValue<string>()); // 1 + 10 × 3
        Assert.Equal("the operation costs 51; this endpoint allows at most 20", byDefault["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Equal(calls, gateway.SubgraphCalls);
    }

    [Fact]
    public async Task Post_NestedHugeLists_CostSaturatesInsteadOfOverflowing()
    {
        // User.reviews counts as defaultListSize (a million) here.
        await using var gateway = await GraphQLGateway.StartAsync("""
            "maxCost": 20, "defaultListSize": 1000000, "listSizes": { "Query.topReviews": { "slicingArguments": ["first"] } },
            """);

        var (_, _, answer) = await gateway.PostAsync("{ topReviews(first: 2000000000) { author { reviews { author { reviews { author { reviews { body } } } } } } } }");

        Assert.Equal("the operation costs 1000000000000000; this endpoint allows at most 20", answer["errors"]![0]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Compile_BadListSizes_ConfigurationErrorsNamingTheField()
    {
        var json = GraphQLGateway.Registry("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4", """
            "defaultListSize": -1,
            "listSizes": { "Query.me": { "assumedSize": 3 }, "Query.topReviews": { "slicingArguments": ["last"], "assumedSize": 2000000 },
                           "User.nickname": {}, "User.reviews": { "sizedFields": ["edges"] } },
            """);

        var errors = (await RegistryValidation.ErrorsAsync(json)).Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.Contains("graphql.defaultListSize: must be between 0 and 1000000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.listSizes.Query.me: 'Query.me' is 'User', not a list", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.listSizes.Query.topReviews.slicingArguments: 'Query.topReviews' has no argument 'last'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.listSizes.Query.topReviews.assumedSize: must be between 0 and 1000000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.listSizes.User.nickname: 'User.nickname' is not a field of the composed schema", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("graphql.listSizes.User.reviews.sizedFields: 'Review' has no field 'edges'", StringComparison.Ordinal));
    }
}
