using System.Collections.Concurrent;
using System.Text.Json;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>
/// Real GraphQL.NET servers on loopback for the gateway tests: <c>accounts</c> and <c>reviews</c> are federated services
/// sharing the <c>User</c> entity (each answers <c>_entities</c>), <c>catalog</c> is a plain GraphQL service with a union,
/// and <c>ratings</c> is a REST service. Each is a <see cref="TestBackend"/>, which counts the calls it receives.
/// </summary>
public static class TestSubgraphs
{
    public const string AccountsSdl = """
        type User @key(fields: "id") { id: ID! name: String! }
        type Query { me: User user(id: ID!): User broken: String }
        type Mutation { rename(id: ID!, name: String!): User }
        """;

    public const string ReviewsSdl = """
        type Review { id: ID! body: String! author: User! }
        type User @key(fields: "id") { id: ID! reviews: [Review!]! }
        type Query { topReviews(first: Int!): [Review!]! }
        """;

    public const string CatalogSdl = """
        type Book { title: String! pages: Int }
        type Movie { title: String! minutes: Int }
        union SearchResult = Book | Movie
        type Query { search(text: String!): [SearchResult!]! }
        """;

    public const string RatingsSdl = """
        type Rating { stars: Int! count: Int! }
        type Weather { city: String! celsius: Float! }
        type User @key(fields: "id") { id: ID! rating: Rating }
        type Query { weather(city: String!): Weather }
        """;

    private static readonly Dictionary<string, string> Names = new() { ["1"] = "Ada Lovelace", ["2"] = "Alan Turing", ["3"] = "Grace Hopper" };

    private static readonly (string Id, string Body, string Author)[] Reviews =
    [
        ("r1", "A fine engine", "1"), ("r2", "Computable", "2"), ("r3", "Poetical science", "1"), ("r4", "Nanoseconds", "3"),
    ];

    public static Task<TestSubgraph> StartAccountsAsync() => StartAsync(AccountsSchema());

    public static Task<TestSubgraph> StartReviewsAsync() => StartAsync(ReviewsSchema());

    public static Task<TestSubgraph> StartCatalogAsync() => StartAsync(CatalogSchema());

    /// <summary>
    /// The REST service: <c>/ratings/{id}</c>, <c>/weather?city=…</c>, and two batch endpoints for many users:
    /// <c>/ratings?ids=1,2</c> (items keyed by <c>userId</c>, in reverse order) and <c>/ratings-in-order?ids=1,2</c>
    /// (one item per id, in order, <c>null</c> for an unknown id).
    /// </summary>
    public static async Task<TestSubgraph> StartRatingsAsync()
    {
        var bodies = new ConcurrentQueue<string>();
        return new TestSubgraph(await TestBackend.StartAsync(Ratings), bodies);
    }

    private static async Task Ratings(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        context.Response.ContentType = "application/json";
        if (path.StartsWith("/ratings/", StringComparison.Ordinal))
        {
            var id = path["/ratings/".Length..];
            await context.Response.WriteAsync($$"""{"stars":{{id.Length + int.Parse(id) % 5}},"count":{{int.Parse(id) * 10}}}""");
        }
        else if (path is "/ratings" or "/ratings-in-order")
        {
            var ids = context.Request.Query["ids"].ToString().Split(',');
            var items = ids.Select(id => int.TryParse(id, out var n) && n is > 0 and < 4
                ? $$"""{"userId":"{{id}}","stars":{{id.Length + n % 5}},"count":{{n * 10}}}"""
                : "null");
            await context.Response.WriteAsync(path == "/ratings"
                ? "{\"items\":[" + string.Join(',', items.Where(i => i != "null").Reverse()) + "]}"
                : "[" + string.Join(',', items) + "]");
        }
        else if (path == "/weather")
        {
            await context.Response.WriteAsync("{\"data\":{\"city\":" + JsonSerializer.Serialize(context.Request.Query["city"].ToString()) + ",\"celsius\":21.5}}");
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    internal static async Task<TestSubgraph> StartAsync(ISchema schema)
    {
        var serializer = new GraphQLSerializer();
        var executer = new DocumentExecuter();
        var bodies = new ConcurrentQueue<string>();
        var backend = await TestBackend.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted);
            bodies.Enqueue(text);
            var request = serializer.Deserialize<global::GraphQL.Transport.GraphQLRequest>(text);
            var result = await executer.ExecuteAsync(new ExecutionOptions
            {
                Schema = schema,
                Query = request!.Query,
                OperationName = request.OperationName,
                Variables = request.Variables,
            });
            context.Response.ContentType = "application/json";
            await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
        });
        return new TestSubgraph(backend, bodies);
    }

    private static ISchema AccountsSchema()
    {
        var user = new ObjectGraphType { Name = "User" };
        user.AddField(Field("id", new NonNullGraphType(new IdGraphType()), c => Get(c.Source, "id")));
        user.AddField(Field("name", new NonNullGraphType(new StringGraphType()), c => Get(c.Source, "name")));
        var query = new ObjectGraphType { Name = "Query" };
        query.AddField(Field("me", user, _ => UserOf("1")));
        var byId = Field("user", user, c => Names.ContainsKey(c.GetArgument<string>("id")) ? UserOf(c.GetArgument<string>("id")) : null);
        byId.Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(new IdGraphType())) { Name = "id" });
        query.AddField(byId);
        query.AddField(Field("broken", new StringGraphType(), _ => throw new ExecutionError("accounts are closed for maintenance")));
        query.AddField(Entities([user], representation => UserOf((string)representation["id"]!)));
        query.AddField(Service(AccountsSdl));
        var mutation = new ObjectGraphType { Name = "Mutation" };
        var rename = Field("rename", user, c => new Dictionary<string, object?> { ["__typename"] = "User", ["id"] = c.GetArgument<string>("id"), ["name"] = c.GetArgument<string>("name") });
        rename.Arguments = new QueryArguments(
            new QueryArgument(new NonNullGraphType(new IdGraphType())) { Name = "id" },
            new QueryArgument(new NonNullGraphType(new StringGraphType())) { Name = "name" });
        mutation.AddField(rename);
        var schema = new Schema { Query = query, Mutation = mutation };
        schema.Initialize();
        return schema;
    }

    private static ISchema ReviewsSchema()
    {
        var user = new ObjectGraphType { Name = "User" };
        var review = new ObjectGraphType { Name = "Review" };
        review.AddField(Field("id", new NonNullGraphType(new IdGraphType()), c => Get(c.Source, "id")));
        review.AddField(Field("body", new NonNullGraphType(new StringGraphType()), c => Get(c.Source, "body")));
        review.AddField(Field("author", new NonNullGraphType(user), c => new Dictionary<string, object?> { ["__typename"] = "User", ["id"] = Get(c.Source, "author") }));
        user.AddField(Field("id", new NonNullGraphType(new IdGraphType()), c => Get(c.Source, "id")));
        user.AddField(Field("reviews", new NonNullGraphType(new ListGraphType(new NonNullGraphType(review))),
            c => Reviews.Where(r => r.Author == (string?)Get(c.Source, "id")).Select(ReviewOf).ToList()));
        var query = new ObjectGraphType { Name = "Query" };
        var top = Field("topReviews", new NonNullGraphType(new ListGraphType(new NonNullGraphType(review))),
            c => Reviews.Take(c.GetArgument<int>("first")).Select(ReviewOf).ToList());
        top.Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(new IntGraphType())) { Name = "first" });
        query.AddField(top);
        query.AddField(Entities([user], representation => new Dictionary<string, object?> { ["__typename"] = "User", ["id"] = representation["id"] }));
        query.AddField(Service(ReviewsSdl));
        return Build(query);
    }

    private static ISchema CatalogSchema()
    {
        var book = new ObjectGraphType { Name = "Book" };
        book.AddField(Field("title", new NonNullGraphType(new StringGraphType()), c => Get(c.Source, "title")));
        book.AddField(Field("pages", new IntGraphType(), c => Get(c.Source, "pages")));
        var movie = new ObjectGraphType { Name = "Movie" };
        movie.AddField(Field("title", new NonNullGraphType(new StringGraphType()), c => Get(c.Source, "title")));
        movie.AddField(Field("minutes", new IntGraphType(), c => Get(c.Source, "minutes")));
        var result = new UnionGraphType { Name = "SearchResult", ResolveType = o => (string?)Get(o, "__typename") == "Book" ? book : movie };
        result.AddPossibleType(book);
        result.AddPossibleType(movie);
        var query = new ObjectGraphType { Name = "Query" };
        var search = Field("search", new NonNullGraphType(new ListGraphType(new NonNullGraphType(result))), c =>
        {
            object[] items =
            [
                new Dictionary<string, object?> { ["__typename"] = "Book", ["title"] = "Sketch of the Analytical Engine", ["pages"] = 66 },
                new Dictionary<string, object?> { ["__typename"] = "Movie", ["title"] = "The Imitation Game", ["minutes"] = 114 },
            ];
            return items.Where(i => ((string)Get(i, "title")!).Contains(c.GetArgument<string>("text"), StringComparison.OrdinalIgnoreCase)).ToList();
        });
        search.Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(new StringGraphType())) { Name = "text" });
        query.AddField(search);
        return Build(query);
    }

    /// <summary>The federation <c>_entities(representations: [_Any!]!): [_Entity]!</c> field, resolving each representation with <paramref name="resolve"/>.</summary>
    internal static FieldType Entities(ObjectGraphType[] types, Func<IDictionary<string, object?>, object?> resolve)
    {
        var entity = new UnionGraphType { Name = "_Entity", ResolveType = o => types.First(t => t.Name == (string?)Get(o, "__typename")) };
        foreach (var type in types)
        {
            entity.AddPossibleType(type);
        }

        var field = Field("_entities", new NonNullGraphType(new ListGraphType(entity)), c =>
            c.GetArgument<List<object?>>("representations").Select(r => resolve((IDictionary<string, object?>)r!)).ToList());
        field.Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(new ListGraphType(new NonNullGraphType(new AnyScalar())))) { Name = "representations" });
        return field;
    }

    /// <summary>The federation <c>_service: _Service!</c> field, whose <c>sdl</c> is the subgraph's SDL with its directives.</summary>
    internal static FieldType Service(string sdl)
    {
        var service = new ObjectGraphType { Name = "_Service" };
        service.AddField(Field("sdl", new NonNullGraphType(new StringGraphType()), _ => sdl));
        return Field("_service", new NonNullGraphType(service), _ => new object());
    }

    private static Dictionary<string, object?> UserOf(string id) => new() { ["__typename"] = "User", ["id"] = id, ["name"] = Names[id] };

    private static Dictionary<string, object?> ReviewOf((string Id, string Body, string Author) review) =>
        new() { ["id"] = review.Id, ["body"] = review.Body, ["author"] = review.Author };

    internal static object? Get(object? source, string key) =>
        source is IDictionary<string, object?> map && map.TryGetValue(key, out var value) ? value : null;

    internal static FieldType Field(string name, IGraphType type, Func<IResolveFieldContext, object?> resolve) =>
        new() { Name = name, ResolvedType = type, Resolver = new FuncFieldResolver<object?>(resolve) };

    internal static ISchema Build(ObjectGraphType query)
    {
        var schema = new Schema { Query = query };
        schema.Initialize();
        return schema;
    }

    /// <summary>The federation <c>_Any</c> scalar: a representation object, passed through as parsed.</summary>
    internal sealed class AnyScalar : ScalarGraphType
    {
        public AnyScalar() => Name = "_Any";

        public override object? ParseValue(object? value) => value;

        public override object? ParseLiteral(GraphQLValue value) => value;

        public override object? Serialize(object? value) => value;
    }
}
