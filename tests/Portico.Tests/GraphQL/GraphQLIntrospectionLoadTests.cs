using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>
/// Subgraph schemas read by introspection when the registry loads: federated subgraphs by <c>_service { sdl }</c>
/// (their <c>@key</c> kept), plain ones by the introspection query; a subgraph that cannot be read is a configuration
/// error naming the route and the subgraph, and the last good snapshot keeps serving.
/// </summary>
public sealed class GraphQLIntrospectionLoadTests
{
    private static string Registry(string accounts, string reviews, string catalog, string ratings, string maxDepth = "10") => $$"""
        {
          "backends": [
            { "id": "accounts", "url": "{{accounts}}" }, { "id": "reviews", "url": "{{reviews}}" },
            { "id": "catalog", "url": "{{catalog}}" }, { "id": "ratings", "url": "{{ratings}}" }
          ],
          "routes": [ { "id": "graph", "auth": "anonymous", "match": { "path": "/graphql", "methods": ["POST"] },
            "graphql": { "maxDepth": {{maxDepth}},
              "subgraphs": [
                { "name": "accounts", "backend": "accounts", "introspect": true },
                { "name": "reviews", "backend": "reviews", "introspect": true },
                { "name": "catalog", "backend": "catalog", "kind": "graphql", "introspect": true },
                { "name": "ratings", "backend": "ratings", "kind": "rest", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.RatingsSdl)}},
                  "fields": { "User.rating": { "path": "/ratings/{parent.id}" }, "Query.weather": { "path": "/weather?city={args.city}", "pointer": "/data" } } }
              ] } } ]
        }
        """;

    [Fact]
    public async Task Load_IntrospectedSubgraphs_ComposedWithKeysAndAnswered()
    {
        await using var accounts = await TestSubgraphs.StartAccountsAsync();
        await using var reviews = await TestSubgraphs.StartReviewsAsync();
        await using var catalog = await TestSubgraphs.StartCatalogAsync();
        await using var ratings = await TestSubgraphs.StartRatingsAsync();
        await using var host = await GatewayHost.StartWithFileAsync(Registry(accounts.Url, reviews.Url, catalog.Url, ratings.Url));

        var answer = await GraphQLGateway.PostTextAsync(host, """{ me { name reviews { body author { name } } } search(text: "engine") { ... on Book { title pages } } }""");

        Assert.Equal(
            """{"data":{"me":{"name":"Ada Lovelace","reviews":[{"body":"A fine engine","author":{"name":"Ada Lovelace"}},{"body":"Poetical science","author":{"name":"Ada Lovelace"}}]},"search":[{"title":"Sketch of the Analytical Engine","pages":66}]}}""",
            answer);
        Assert.Contains("_service", accounts.Bodies[0], StringComparison.Ordinal);
        Assert.Contains("_service", reviews.Bodies[0], StringComparison.Ordinal);
        Assert.Contains("__schema", catalog.Bodies[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_SubgraphUnreachableOrNotFederated_ConfigurationErrorsNamingRouteAndSubgraph()
    {
        await using var catalog = await TestSubgraphs.StartCatalogAsync();
        // Nothing listens on port 1 (accounts); catalog, a plain service, is asked as the federated 'reviews'.
        var json = Registry("http://127.0.0.1:1", catalog.Url, catalog.Url, "http://127.0.0.1:4");

        var errors = (await RegistryValidation.ErrorsAsync(json)).Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.Contains("route 'graph': graphql.subgraphs[0].introspect: subgraph 'accounts': its schema cannot be read by introspection: the subgraph cannot be reached", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("route 'graph': graphql.subgraphs[1].introspect: subgraph 'reviews': its schema cannot be read by introspection: the subgraph answered an error:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_IntrospectedSubgraphDown_RejectedAndLastGoodSnapshotKeepsServing()
    {
        var accounts = await TestSubgraphs.StartAccountsAsync();
        await using var reviews = await TestSubgraphs.StartReviewsAsync();
        await using var catalog = await TestSubgraphs.StartCatalogAsync();
        await using var ratings = await TestSubgraphs.StartRatingsAsync();
        await using var host = await GatewayHost.StartWithFileAsync(Registry(accounts.Url, reviews.Url, catalog.Url, ratings.Url));
        var url = accounts.Url;
        await accounts.DisposeAsync();

        await host.WriteConfigAsync(Registry(url, reviews.Url, catalog.Url, ratings.Url, maxDepth: "12"));
        var outcome = await host.Services.GetRequiredService<RegistryRuntime>().ReloadAsync(CancellationToken.None);
        var answer = await GraphQLGateway.PostTextAsync(host, """{ search(text: "game") { ... on Movie { title } } }""");

        Assert.Equal(ReloadKind.Rejected, outcome.Kind);
        Assert.Contains(outcome.Errors, e => e.Field == "graphql.subgraphs[0].introspect" && e.Message.Contains("subgraph 'accounts'", StringComparison.Ordinal));
        Assert.Equal("""{"data":{"search":[{"title":"The Imitation Game"}]}}""", answer);
    }

    [Fact]
    public async Task ReadAsync_SubgraphNeverAnswers_CutAtTheDeadlineWithAReason()
    {
        // The subgraph holds every call until the client leaves; the deadline runs on a fake clock, moved by hand.
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var silent = await TestBackend.StartAsync(TestBackend.Silent(arrived));
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        var backend = new Portico.Proxy.CompiledBackend(new Portico.Configuration.BackendDefinition { Id = "silent", Url = silent.Url }, new Portico.Proxy.UpstreamClient(invoker));
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var deadline = new CancellationTokenSource(Portico.GraphQL.GraphQLLimits.IntrospectionTimeout, clock);

        var reading = Portico.GraphQL.SubgraphIntrospection.ReadAsync(backend, backend.UriFor("/graphql"), federated: true, deadline.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the call has reached the subgraph

        clock.Advance(Portico.GraphQL.GraphQLLimits.IntrospectionTimeout);
        var (sdl, error) = await reading;

        Assert.Null(sdl);
        Assert.Equal("no answer within 10 s", error);
    }
}
