using System.Text;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Configuration;

/// <summary>
/// Fuzzing of registry parsing and compiling (issue 17): a registry file mutated at random, in JSON or YAML, is either
/// loaded and compiled, or refused with errors that each carry a location in the file (or a JSON path into it) and a
/// message; nothing else, and never an exception.
/// </summary>
public sealed class RegistryFuzzTests
{
    private const string FeatureRegistry = """
    {
      "backends": [ { "id": "b", "url": "http://127.0.0.1:9", "resilience": { "circuitBreaker": { "failureRatio": 0.5 } } } ],
      "consumers": [ { "id": "c" } ],
      "rateLimitPolicies": [ { "id": "p", "rate": { "limit": 10, "period": "1s" } } ],
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "routes": [
        { "id": "r1", "auth": "keys", "match": { "path": "/orders/{id:int}", "methods": [ "GET" ], "hosts": [ "*.example.com" ] }, "backend": "b",
          "rewrite": { "path": "/v2/orders/{id}" }, "activityTimeout": "30s", "maxRequestBodySize": 1024,
          "ipRestriction": { "allow": [ "10.0.0.0/8" ] }, "waf": { "enabled": true, "exclusions": [ { "rules": [ "xss" ], "targets": [ "body:html" ] } ] } },
        { "id": "r2", "auth": "anonymous", "match": { "path": "/static" }, "static": { "status": 200, "json": { "ok": true } } }
      ]
    }
    """;

    private const string YamlRegistry = """
    backends:
      - id: b
        url: http://127.0.0.1:9
    routes:
      - id: r1
        auth: anonymous
        match:
          path: /orders/{id}
          methods: [GET, POST]
        backend: b
        waf:
          enabled: true
          mode: detect
      - id: r2
        auth: anonymous
        match: { path: /static }
        static: { status: 204 }
    """;

    private static readonly string[] Tokens =
    [
        ",", "{", "}", "[", "]", "\"", ":", "null", "true", "-1", "0", "1e999", "\"x\"", "\\u0000", "\\ud800", "{}", "[]", "\n", "#",
        "- ", "  ", "&a", "*a", "!!binary", "---", "'", "\t", "\"routes\"", "\"id\"", "\"match\"", "\"waf\"", "${X}", "é", "\uFEFF",
    ];

    private static readonly RegistryCompiler Compiler = new ServiceCollection()
        .AddLogging()
        .AddPortico()
        .BuildServiceProvider()
        .GetRequiredService<RegistryCompiler>();

    [Fact]
    public async Task Load_MutatedRegistryFiles_LoadedOrRefusedWithLocatedErrors()
    {
        var seeds = new List<(string Text, string Extension)>
        {
            (FeatureRegistry, ".json"),
            (YamlRegistry, ".yaml"),
            (FeatureRegistry, ".yaml"), // JSON is YAML's flow style: the YAML reader sees it too
            (await File.ReadAllTextAsync(Repository.Path("samples", "demo", "portico.json")), ".json"),
            (await File.ReadAllTextAsync(Repository.Path("samples", "rate-limiting", "portico.json")), ".json"),
        };

        // A mutation: where (a fraction of the text), what (0 delete, 1 insert, 2 replace, 3 duplicate), how much, which token.
        var mutation = Gen.Select(Gen.Double[0, 1], Gen.Int[0, 3], Gen.Int[1, 40], Gen.OneOf(Tokens));
        var gen = Gen.Select(Gen.Int[0, seeds.Count - 1], mutation.Array[1, 6]);
        using var directory = new TempDirectory();
        int loaded = 0, refused = 0;
        gen.Sample(
            ((int Seed, (double At, int Op, int Length, string Token)[] Mutations) input) =>
            {
                var (seed, extension) = seeds[input.Seed];
                var text = Mutate(seed, input.Mutations);
                var path = directory.File("fuzz" + extension);
                File.WriteAllText(path, text, Encoding.UTF8);
                if (Check(path))
                {
                    loaded++;
                }
                else
                {
                    refused++;
                }
            },
            iter: FuzzBudget.Iterations(1500), time: FuzzBudget.Seconds, threads: 1,
            print: input => Mutate(seeds[input.Item1].Text, input.Item2));

        Assert.True(loaded > 0 && refused > 0, $"{loaded} loaded, {refused} refused: the mutations must reach both");
    }

    /// <summary>A list of names with an empty or null element (a YAML anchor with no value, a JSON null) is refused, not thrown on.</summary>
    [Theory]
    [InlineData(".yaml", "routes:\n  - id: r\n    auth: anonymous\n    match: { path: /x, methods: [GET,&aOST] }\n    static: { status: 204 }\n")]
    [InlineData(".json", """{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x", "methods": [ "GET", null ] }, "static": { "status": 204 } } ] }""")]
    [InlineData(".json", """{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x", "hosts": [ null ] }, "static": { "status": 204 } } ] }""")]
    public void Load_NullInAListOfNames_RefusedWithLocatedErrors(string extension, string text)
    {
        using var directory = new TempDirectory();
        var path = directory.File("nulls" + extension);
        File.WriteAllText(path, text, Encoding.UTF8);

        Assert.False(Check(path));
    }

    /// <summary>
    /// A null where a list holds items or a map holds values (every kind of registry item: routes, destinations, subgraphs,
    /// REST fields, aggregate parts, WAF exclusions, header maps) is refused with a located error naming the field, not
    /// thrown on by a compiler.
    /// </summary>
    [Theory]
    [InlineData("""{ "routes": [ null ] }""", "'routes': element 0 must not be null")]
    [InlineData("""{ "backends": [ { "id": "b", "destinations": [ { "url": "http://127.0.0.1:9" }, null ] } ], "routes": [] }""", "'destinations': element 1 must not be null")]
    [InlineData("""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ], "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "graphql": { "subgraphs": [ null ] } } ] }""", "'subgraphs': element 0 must not be null")]
    [InlineData("""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ], "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "graphql": { "subgraphs": [ { "name": "a", "backend": "b", "kind": "rest", "sdl": "type Query { a: Int }", "fields": { "Query.a": null } } ] } } ] }""", "'fields': the value of 'Query.a' must not be null")]
    [InlineData("""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ], "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "backend": "b", "waf": { "exclusions": [ null ] } } ] }""", "'exclusions': element 0 must not be null")]
    [InlineData("""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ], "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "aggregate": { "parts": [ null ] } } ] }""", "'parts': element 0 must not be null")]
    [InlineData("""{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "status": 200, "headers": { "X-A": null } } } ] }""", "'headers': the value of 'X-A' must not be null")]
    [InlineData("""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ], "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "graphql": { "subgraphs": null } } ] }""", "the value must not be null")]
    public async Task Load_NullItemInAListOrMap_RefusedWithTheFieldAndLine(string text, string message)
    {
        using var directory = new TempDirectory();
        var path = directory.File("nulls.json");
        File.WriteAllText(path, text, Encoding.UTF8);

        Assert.False(Check(path));
        using var store = new FileRegistryStore(path, watch: false);
        var error = Assert.Single((await store.LoadAsync(CancellationToken.None)).Errors);
        Assert.EndsWith(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Portico.", error.Message, StringComparison.Ordinal); // no .NET type names
        Assert.StartsWith(path + ":1:", error.Location, StringComparison.Ordinal);
    }

    /// <summary>A subgraph SDL nested deeper than the GraphQL parser allows is a located error, not an exception out of the compiler.</summary>
    [Fact]
    public void Load_SubgraphSdlDeeperThanTheParserAllows_RefusedWithLocatedError()
    {
        using var directory = new TempDirectory();
        var path = directory.File("deep.json");
        var sdl = "type Query { a(x: " + new string('[', 3000) + "Int" + new string(']', 3000) + "): Int }";
        File.WriteAllText(path, $$"""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ], "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "graphql": { "subgraphs": [ { "name": "a", "backend": "b", "sdl": "{{sdl}}" } ] } } ] }""", Encoding.UTF8);

        Assert.False(Check(path));
    }

    private static string Mutate(string text, (double At, int Op, int Length, string Token)[] mutations)
    {
        var builder = new StringBuilder(text);
        foreach (var (at, op, length, token) in mutations)
        {
            var index = (int)(at * builder.Length);
            var count = Math.Min(length, builder.Length - index);
            switch (op)
            {
                case 0:
                    builder.Remove(index, count);
                    break;
                case 1:
                    builder.Insert(index, token);
                    break;
                case 2:
                    builder.Remove(index, Math.Min(token.Length, count)).Insert(index, token);
                    break;
                default:
                    builder.Insert(index, builder.ToString(index, count));
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>Loads and compiles one file as the gateway does; true when it loaded and compiled.</summary>
    private static bool Check(string path)
    {
        using var store = new FileRegistryStore(path, watch: false);
        var result = store.LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (result.Document is null)
        {
            Assert.NotEmpty(result.Errors);
            Assert.All(result.Errors, e =>
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                Assert.StartsWith(path, e.Location, StringComparison.Ordinal);
            });
            return false;
        }

        var compiled = Compiler.Compile(result.Document, result.Revision);
        if (compiled.Snapshot is null)
        {
            Assert.NotEmpty(compiled.Errors);
            Assert.All(compiled.Errors, e =>
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                Assert.StartsWith("$", e.JsonPath, StringComparison.Ordinal);
                Assert.StartsWith(path, result.Locate(e.JsonPath), StringComparison.Ordinal); // the file (and line, when found)
            });
            return false;
        }

        return true;
    }
}
