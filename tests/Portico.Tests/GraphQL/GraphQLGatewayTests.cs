using System.Text.Json.Nodes;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>
/// One GraphQL endpoint over two federated subgraphs sharing the <c>User</c> entity, a plain GraphQL subgraph and a REST
/// service, all real servers on loopback: answers checked against expected JSON, calls counted per subgraph.
/// </summary>
public sealed class GraphQLGatewayTests
{
    [Fact]
    public async Task Post_NestedEntitiesAcrossThreeServices_MergedAnswerWithOneCallPerSubgraphAndStep()
    {
        await using var gateway = await GraphQLGateway.StartAsync();

        var (status, mediaType, body) = await gateway.PostAsync("{ me { name reviews { body author { name } } rating { stars count } } }");

        Assert.Equal(200, status);
        Assert.Equal("application/json", mediaType);
        AssertJson("""
            {"data":{"me":{"name":"Ada Lovelace","reviews":[{"body":"A fine engine","author":{"name":"Ada Lovelace"}},{"body":"Poetical science","author":{"name":"Ada Lovelace"}}],"rating":{"stars":2,"count":10}}}}
            """, body);

        // accounts: the root fetch, then one _entities call for both review authors (deduplicated to one representation).
        Assert.Equal(2, gateway.Accounts.Count);
        Assert.Equal(1, gateway.Reviews.Count);
        Assert.Equal(1, gateway.Ratings.Count);
        Assert.Equal(0, gateway.Catalog.Count);
        Assert.Contains("_entities", gateway.Accounts.Bodies[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_ListOfParents_OneEntitiesCallAndRestCallsDeduplicatedByArguments()
    {
        await using var gateway = await GraphQLGateway.StartAsync();

        var (_, _, body) = await gateway.PostAsync("{ topReviews(first: 4) { id author { name rating { stars } } } }");

        AssertJson("""
            {"data":{"topReviews":[
              {"id":"r1","author":{"name":"Ada Lovelace","rating":{"stars":2}}},
              {"id":"r2","author":{"name":"Alan Turing","rating":{"stars":3}}},
              {"id":"r3","author":{"name":"Ada Lovelace","rating":{"stars":2}}},
              {"id":"r4","author":{"name":"Grace Hopper","rating":{"stars":4}}}]}}
            """, body);
        Assert.Equal(1, gateway.Reviews.Count);
        Assert.Equal(1, gateway.Accounts.Count); // four parents, one _entities call
        Assert.Equal(3, gateway.Ratings.Count); // four parents, three distinct users: one REST call each
        var representations = JsonNode.Parse(gateway.Accounts.Bodies[0])!["variables"]!["_portico_representations"]!.AsArray();
        Assert.Equal(3, representations.Count);
    }

    [Fact]
    public async Task Post_FragmentsOnUnionWithTypename_EachMemberShapedByItsType()
    {
        await using var gateway = await GraphQLGateway.StartAsync();

        var (_, _, body) = await gateway.PostAsync("""
            query Find { search(text: "e") { __typename ...BookParts ... on Movie { title minutes } } }
            fragment BookParts on Book { title pages }
            """);

        AssertJson("""
            {"data":{"search":[{"__typename":"Book","title":"Sketch of the Analytical Engine","pages":66},{"__typename":"Movie","title":"The Imitation Game","minutes":114}]}}
            """, body);
        Assert.Equal(1, gateway.Catalog.Count);
    }

    [Fact]
    public async Task Post_VariablesAliasesAndInclude_AppliedAcrossSubgraphs()
    {
        await using var gateway = await GraphQLGateway.StartAsync();
        const string query = """
            query Who($id: ID!, $withReviews: Boolean!) {
              person: user(id: $id) { fullName: name reviews @include(if: $withReviews) { text: body } }
              w: weather(city: "Zürich") { city celsius }
            }
            """;

        var (_, _, with) = await gateway.PostAsync(query, new { id = "2", withReviews = true });
        var (_, _, without) = await gateway.PostAsync(query, new { id = "3", withReviews = false });

        AssertJson("""{"data":{"person":{"fullName":"Alan Turing","reviews":[{"text":"Computable"}]},"w":{"city":"Zürich","celsius":21.5}}}""", with);
        AssertJson("""{"data":{"person":{"fullName":"Grace Hopper"},"w":{"city":"Zürich","celsius":21.5}}}""", without);
        Assert.Equal("/weather?city=Z%C3%BCrich", gateway.Ratings.Requests[0].RawTarget);
    }

    [Fact]
    public async Task Post_RestSubgraphFails_PartialDataAndErrorWithPath()
    {
        await using var gateway = await GraphQLGateway.StartAsync(ratingsUrl: "http://127.0.0.1:9");

        var (status, _, body) = await gateway.PostAsync("{ me { name rating { stars } } }");

        Assert.Equal(200, status);
        Assert.Equal("""{"me":{"name":"Ada Lovelace","rating":null}}""", body["data"]!.ToJsonString());
        var error = Assert.Single(body["errors"]!.AsArray())!;
        Assert.Equal("""["me","rating"]""", error["path"]!.ToJsonString());
        Assert.Equal("SUBGRAPH_FETCH_FAILED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("ratings", error["extensions"]!["subgraph"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_InvalidField_ValidationErrorWithoutSubgraphCalls()
    {
        await using var gateway = await GraphQLGateway.StartAsync();

        var (jsonStatus, _, jsonBody) = await gateway.PostAsync("{ me { nickname } }");
        var (status, mediaType, body) = await gateway.PostAsync("{ me { nickname } }", accept: "application/graphql-response+json");

        Assert.Equal(200, jsonStatus); // application/json: GraphQL over HTTP answers 200 for legacy clients
        Assert.Equal(400, status);
        Assert.Equal("application/graphql-response+json", mediaType);
        Assert.Null(body["data"]);
        Assert.Contains("nickname", body["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", jsonBody["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal(0, gateway.SubgraphCalls);
    }

    [Fact]
    public async Task Post_DeeperThanMaxDepth_RefusedBeforeAnyCall()
    {
        await using var gateway = await GraphQLGateway.StartAsync("\"maxDepth\": 3, \"maxAliases\": 1,");

        var (_, _, deep) = await gateway.PostAsync("{ me { reviews { author { reviews { body } } } } }");
        var (_, _, aliased) = await gateway.PostAsync("{ a: me { name } b: me { name } }");
        var (_, _, fine) = await gateway.PostAsync("{ me { reviews { body } } }");

        Assert.Equal("OPERATION_LIMIT_EXCEEDED", deep["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains("3 levels", deep["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("OPERATION_LIMIT_EXCEEDED", aliased["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.NotNull(fine["data"]!["me"]);
        Assert.Equal(2, gateway.SubgraphCalls); // only the allowed operation reached the subgraphs
    }

    [Fact]
    public async Task Get_QueryAndMutationOverGet_QueryAnsweredMutationRefused()
    {
        await using var gateway = await GraphQLGateway.StartAsync();

        using var get = await gateway.Host.Client.GetAsync("/graphql?query=" + Uri.EscapeDataString("{ me { name } }"));
        using var bad = await gateway.Host.Client.GetAsync("/graphql?query=" + Uri.EscapeDataString("{ me { name } }") + "&variables=" + Uri.EscapeDataString("[1]"));

        Assert.Equal(200, (int)get.StatusCode);
        Assert.Equal("""{"data":{"me":{"name":"Ada Lovelace"}}}""" + "\n", await get.Content.ReadAsStringAsync());
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Post_SameDocumentTwice_PlannedOnce()
    {
        await using var gateway = await GraphQLGateway.StartAsync();
        var dispatcher = GraphQLRoutes.Dispatcher(gateway.Host);

        await gateway.PostAsync("{ me { name } }");
        await gateway.PostAsync("{ me { name } }");
        await gateway.PostAsync("{ me { name } }", operationName: null);

        Assert.Single(dispatcher.State.Plans);
    }

    [Fact]
    public async Task Post_Introspection_AnsweredFromComposedSchemaOrRefusedWhenOff()
    {
        await using var gateway = await GraphQLGateway.StartAsync();
        await using var closed = await GraphQLGateway.StartAsync("\"introspection\": false,");

        var (_, _, open) = await gateway.PostAsync("{ __type(name: \"User\") { fields { name } } }");
        var (_, _, refused) = await closed.PostAsync("{ __schema { types { name } } }");

        var fields = open["data"]!["__type"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["id", "name", "reviews", "rating"], fields);
        Assert.Equal("INTROSPECTION_DISABLED", refused["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal(0, gateway.SubgraphCalls + closed.SubgraphCalls);
    }

    [Fact]
    public async Task Post_MutationThenEntityFields_RunsInOrderAndMutationOverGetIsRefused()
    {
        await using var gateway = await GraphQLGateway.StartAsync();
        const string mutation = "mutation { rename(id: \"2\", name: \"A. M. Turing\") { name reviews { body } } }";

        var (status, _, body) = await gateway.PostAsync(mutation);
        using var get = await gateway.Host.Client.GetAsync("/graphql?query=" + Uri.EscapeDataString(mutation));

        Assert.Equal(200, status);
        AssertJson("""{"data":{"rename":{"name":"A. M. Turing","reviews":[{"body":"Computable"}]}}}""", body);
        Assert.Equal(405, (int)get.StatusCode);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        Assert.Equal(1, gateway.Accounts.Count); // the GET reached no subgraph
    }

    [Theory]
    [InlineData("", "accounts are closed for maintenance", "accounts")]
    [InlineData("\"subgraphErrors\": \"mask\",", "a subgraph returned an error", null)]
    public async Task Post_SubgraphError_PassedOnWithPathOrMasked(string extra, string message, string? subgraph)
    {
        await using var gateway = await GraphQLGateway.StartAsync(extra);

        var (status, _, body) = await gateway.PostAsync("{ me { name } broken }");

        Assert.Equal(200, status);
        AssertJson("""{"me":{"name":"Ada Lovelace"},"broken":null}""", body["data"]!.AsObject());
        var error = Assert.Single(body["errors"]!.AsArray())!;
        Assert.Equal(message, error["message"]!.GetValue<string>());
        Assert.Equal("""["broken"]""", error["path"]!.ToJsonString());
        Assert.Equal(subgraph, error["extensions"]!["subgraph"]?.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"query":"{ me { name } }","operationName":"\ud800"}""")] // an escape that leaves a surrogate unpaired
    [InlineData("""{"query":"{ weather(city: \"\udc00\") { city } }"}""")]
    [InlineData("{\"query\":\"{ me { name } }\",\"operationName\":\"\u00FF\"}")] // U+00FF goes as the byte 0xFF: not UTF-8
    public async Task Post_BodyNotUnicode_400ProblemWithoutSubgraphCalls(string body)
    {
        await using var gateway = await GraphQLGateway.StartAsync();

        using var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = new("application/json");
        using var response = await gateway.Host.Client.PostAsync("/graphql", content);
        using var get = await gateway.Host.Client.GetAsync("/graphql?query=" + Uri.EscapeDataString("{ me { name } }") + "&variables=" + Uri.EscapeDataString("""{"a":"\ud800"}"""));

        var problem = await ProblemAssert.ReadAsync(response, "bad-request");
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("not UTF-8 text", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, (int)get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, gateway.SubgraphCalls);
    }

    [Theory]
    [InlineData("""{"data":{"city":"\ud800","celsius":1}}""")]
    [InlineData("{\"data\":{\"city\":\"\u00FF\",\"celsius\":1}}")] // U+00FF goes as the byte 0xFF: not UTF-8
    public async Task Post_SubgraphAnswerNotUnicode_FetchFailedErrorAndNullField(string answer)
    {
        await using var broken = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(System.Text.Encoding.Latin1.GetBytes(answer));
        });
        await using var gateway = await GraphQLGateway.StartAsync(ratingsUrl: broken.Url);

        var (status, _, body) = await gateway.PostAsync("{ weather(city: \"Bern\") { city } }");

        Assert.Equal(200, status);
        AssertJson("""{"weather":null}""", body["data"]!.AsObject());
        var error = Assert.Single(body["errors"]!.AsArray())!;
        Assert.Equal("SUBGRAPH_FETCH_FAILED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal(1, broken.Count);
        Assert.Contains(gateway.Host.Logs.Entries, e => e.Message.Contains("not valid JSON: it is not UTF-8 text", StringComparison.Ordinal));
    }

    private static void AssertJson(string expected, JsonObject actual) =>
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual.ToJsonString());
}
