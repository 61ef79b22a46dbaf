using GraphQL.Types;

namespace Portico.Tests.GraphQL;

/// <summary>
/// Three federated GraphQL.NET subgraphs sharing the <c>Product</c> entity, for Federation 2 <c>@requires</c> and
/// <c>@provides</c>: <c>products</c> owns name, price and weight; <c>inventory</c> computes a shipping estimate that
/// <c>@requires</c> price and weight; <c>opinions</c> returns reviews whose product it <c>@provides</c> the name of.
/// </summary>
public static class TestProductSubgraphs
{
    public const string ProductsSdl = """
        type Product @key(fields: "upc") { upc: String! name: String! price: Int! weight: Int! }
        type Query { topProducts: [Product!]! }
        """;

    public const string InventorySdl = """
        type Product @key(fields: "upc") { upc: String! price: Int! @external weight: Int! @external inStock: Boolean! shippingEstimate: Int! @requires(fields: "price weight") }
        """;

    public const string OpinionsSdl = """
        type Opinion { body: String! product: Product! @provides(fields: "name") }
        type Product @key(fields: "upc") { upc: String! name: String! @external }
        type Query { latestOpinions: [Opinion!]! }
        """;

    private static readonly (string Upc, string Name, int Price, int Weight)[] Products = [("p1", "Table", 899, 100), ("p2", "Chair", 54, 50)];

    public static Task<TestSubgraph> StartProductsAsync()
    {
        var product = new ObjectGraphType { Name = "Product" };
        product.AddField(TestSubgraphs.Field("upc", new NonNullGraphType(new StringGraphType()), c => TestSubgraphs.Get(c.Source, "upc")));
        product.AddField(TestSubgraphs.Field("name", new NonNullGraphType(new StringGraphType()), c => TestSubgraphs.Get(c.Source, "name")));
        product.AddField(TestSubgraphs.Field("price", new NonNullGraphType(new IntGraphType()), c => TestSubgraphs.Get(c.Source, "price")));
        product.AddField(TestSubgraphs.Field("weight", new NonNullGraphType(new IntGraphType()), c => TestSubgraphs.Get(c.Source, "weight")));
        var query = new ObjectGraphType { Name = "Query" };
        query.AddField(TestSubgraphs.Field("topProducts", new NonNullGraphType(new ListGraphType(new NonNullGraphType(product))), _ => Products.Select(ProductOf).ToList()));
        query.AddField(TestSubgraphs.Entities([product], r => ProductOf(Products.Single(p => p.Upc == (string?)r["upc"]))));
        query.AddField(TestSubgraphs.Service(ProductsSdl));
        return TestSubgraphs.StartAsync(TestSubgraphs.Build(query));
    }

    /// <summary>The estimate is computed from the price and weight the gateway sends in each representation, as <c>@requires</c> promises.</summary>
    public static Task<TestSubgraph> StartInventoryAsync()
    {
        var product = new ObjectGraphType { Name = "Product" };
        product.AddField(TestSubgraphs.Field("upc", new NonNullGraphType(new StringGraphType()), c => TestSubgraphs.Get(c.Source, "upc")));
        product.AddField(TestSubgraphs.Field("inStock", new NonNullGraphType(new BooleanGraphType()), c => (string?)TestSubgraphs.Get(c.Source, "upc") == "p1"));
        product.AddField(TestSubgraphs.Field("shippingEstimate", new NonNullGraphType(new IntGraphType()), c =>
        {
            // Missing price or weight (a gateway that ignored @requires) fails the field instead of guessing.
            var price = Convert.ToInt32(TestSubgraphs.Get(c.Source, "price") ?? throw new global::GraphQL.ExecutionError("price is required"), System.Globalization.CultureInfo.InvariantCulture);
            var weight = Convert.ToInt32(TestSubgraphs.Get(c.Source, "weight") ?? throw new global::GraphQL.ExecutionError("weight is required"), System.Globalization.CultureInfo.InvariantCulture);
            return price > 500 ? 0 : weight / 2;
        }));
        var query = new ObjectGraphType { Name = "Query" };
        query.AddField(TestSubgraphs.Entities([product], r => new Dictionary<string, object?>(r) { ["__typename"] = "Product" }));
        query.AddField(TestSubgraphs.Service(InventorySdl));
        return TestSubgraphs.StartAsync(TestSubgraphs.Build(query));
    }

    public static Task<TestSubgraph> StartOpinionsAsync()
    {
        var product = new ObjectGraphType { Name = "Product" };
        product.AddField(TestSubgraphs.Field("upc", new NonNullGraphType(new StringGraphType()), c => TestSubgraphs.Get(c.Source, "upc")));
        product.AddField(TestSubgraphs.Field("name", new NonNullGraphType(new StringGraphType()), c => TestSubgraphs.Get(c.Source, "name")));
        var opinion = new ObjectGraphType { Name = "Opinion" };
        opinion.AddField(TestSubgraphs.Field("body", new NonNullGraphType(new StringGraphType()), c => TestSubgraphs.Get(c.Source, "body")));
        opinion.AddField(TestSubgraphs.Field("product", new NonNullGraphType(product), c => TestSubgraphs.Get(c.Source, "product")));
        var query = new ObjectGraphType { Name = "Query" };
        query.AddField(TestSubgraphs.Field("latestOpinions", new NonNullGraphType(new ListGraphType(new NonNullGraphType(opinion))), _ => new List<object>
        {
            new Dictionary<string, object?> { ["body"] = "Sturdy", ["product"] = new Dictionary<string, object?> { ["upc"] = "p1", ["name"] = "Table" } },
        }));
        query.AddField(TestSubgraphs.Entities([product], r => new Dictionary<string, object?>(r) { ["__typename"] = "Product" }));
        query.AddField(TestSubgraphs.Service(OpinionsSdl));
        return TestSubgraphs.StartAsync(TestSubgraphs.Build(query));
    }

    private static Dictionary<string, object?> ProductOf((string Upc, string Name, int Price, int Weight) p) =>
        new() { ["__typename"] = "Product", ["upc"] = p.Upc, ["name"] = p.Name, ["price"] = p.Price, ["weight"] = p.Weight };
}
