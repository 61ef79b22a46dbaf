using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>
/// Federation 2 <c>@requires</c> and <c>@provides</c> over GraphQL.NET subgraphs: a field that requires fields of
/// its entity gets them in the representations (read from the subgraph that returned the entity), and a field that
/// provides fields of its type saves the entity fetch for them, proved by counting subgraph calls.
/// </summary>
public sealed class GraphQLFederationDirectivesTests
{
    private static string Registry(string products, string inventory, string opinions, string inventorySdl = TestProductSubgraphs.InventorySdl) => $$"""
        {
          "backends": [ { "id": "products", "url": "{{products}}" }, { "id": "inventory", "url": "{{inventory}}" }, { "id": "opinions", "url": "{{opinions}}" } ],
          "routes": [ { "id": "shop", "auth": "anonymous", "match": { "path": "/graphql", "methods": ["POST"] },
            "graphql": { "subgraphs": [
              { "name": "products", "backend": "products", "sdl": {{JsonSerializer.Serialize(TestProductSubgraphs.ProductsSdl)}} },
              { "name": "inventory", "backend": "inventory", "sdl": {{JsonSerializer.Serialize(inventorySdl)}} },
              { "name": "opinions", "backend": "opinions", "sdl": {{JsonSerializer.Serialize(TestProductSubgraphs.OpinionsSdl)}} }
            ] } } ]
        }
        """;

    [Fact]
    public async Task Post_FieldWithRequires_RepresentationsCarryRequiredFieldsInOneEntityCall()
    {
        await using var shop = await Shop.StartAsync();
        var (products, inventory, opinions, host) = (shop.Products, shop.Inventory, shop.Opinions, shop.Host);

        var answer = await GraphQLGateway.PostTextAsync(host, "{ topProducts { name shippingEstimate inStock } }");

        Assert.Equal("""{"data":{"topProducts":[{"name":"Table","shippingEstimate":0,"inStock":true},{"name":"Chair","shippingEstimate":25,"inStock":false}]}}""", answer);
        Assert.Equal((1, 1, 0), (products.Count, inventory.Count, opinions.Count));
        var representations = JsonNode.Parse(inventory.Bodies[0])!["variables"]!.AsObject().Single().Value!.AsArray();
        Assert.Contains(representations, r => r!.ToJsonString() == """{"__typename":"Product","upc":"p2","price":54,"weight":50}""");
    }

    [Fact]
    public async Task Post_FieldWithProvides_ProvidedFieldsAnsweredWithoutEntityFetch()
    {
        await using var shop = await Shop.StartAsync();
        var (products, opinions, host) = (shop.Products, shop.Opinions, shop.Host);

        var provided = await GraphQLGateway.PostTextAsync(host, "{ latestOpinions { body product { name } } }");
        var callsForProvided = (products.Count, opinions.Count);
        var notProvided = await GraphQLGateway.PostTextAsync(host, "{ latestOpinions { product { name price } } }");

        Assert.Equal("""{"data":{"latestOpinions":[{"body":"Sturdy","product":{"name":"Table"}}]}}""", provided);
        Assert.Equal((0, 1), callsForProvided);
        Assert.Equal("""{"data":{"latestOpinions":[{"product":{"name":"Table","price":899}}]}}""", notProvided);
        Assert.Equal((1, 2), (products.Count, opinions.Count));
    }

    [Theory]
    [InlineData("""type Product @key(fields: "upc") { upc: String! shippingEstimate: Int! @requires(fields: "volume") }""",
        "subgraph 'inventory': the @requires of 'Product.shippingEstimate' names 'volume', which is not a field of 'Product'")]
    [InlineData("""type Product @key(fields: "upc") { upc: String! shippingEstimate: Int! @requires(fields: "size { depth }") }""",
        "subgraph 'inventory': the @requires of 'Product.shippingEstimate' must list one or more top-level fields")]
    public async Task Compile_BadRequires_ConfigurationErrorNamingSubgraphAndField(string inventorySdl, string expected)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", inventorySdl));

        Assert.Contains(errors, e => e.ToString().Contains("route 'shop'", StringComparison.Ordinal) && e.Message.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>The three product subgraphs and a gateway over them.</summary>
    private sealed class Shop(TestSubgraph products, TestSubgraph inventory, TestSubgraph opinions, GatewayHost host) : IAsyncDisposable
    {
        public TestSubgraph Products { get; } = products;

        public TestSubgraph Inventory { get; } = inventory;

        public TestSubgraph Opinions { get; } = opinions;

        public GatewayHost Host { get; } = host;

        public static async Task<Shop> StartAsync()
        {
            var products = await TestProductSubgraphs.StartProductsAsync();
            var inventory = await TestProductSubgraphs.StartInventoryAsync();
            var opinions = await TestProductSubgraphs.StartOpinionsAsync();
            return new Shop(products, inventory, opinions, await GatewayHost.StartWithFileAsync(Registry(products.Url, inventory.Url, opinions.Url)));
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Products.DisposeAsync();
            await Inventory.DisposeAsync();
            await Opinions.DisposeAsync();
        }
    }
}
