using Portico.Configuration;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Storage;

/// <summary>The registry file in YAML (issue 22): the same schema and the same located errors as JSON.</summary>
public sealed class YamlRegistryFileTests : IDisposable
{
    private const string Json = """
    {
      "backends": [ { "id": "users", "url": "http://127.0.0.1:7080", "resilience": { "bulkhead": { "maxConcurrency": 50 } } } ],
      "routes": [
        { "id": "users", "auth": "anonymous", "match": { "path": "/api/users/{id}", "methods": ["GET", "PUT"] }, "backend": "users",
          "rewrite": { "path": "/users/{id}" }, "maxConcurrentRequests": 10 },
        { "id": "status", "auth": "anonymous", "match": { "path": "/status" }, "static": { "json": { "ok": true, "ratio": 0.5, "note": null, "version": "1.0" } } }
      ]
    }
    """;

    private const string Yaml = """
    # The same registry as Json, written the YAML way.
    backends:
      - id: users
        url: http://127.0.0.1:7080
        resilience:
          bulkhead: { maxConcurrency: 50 }
    routes:
      - &anonymous
        id: users
        auth: anonymous
        match:
          path: /api/users/{id}
          methods: [GET, PUT]
        backend: users
        rewrite: { path: "/users/{id}" }
        maxConcurrentRequests: 10
      - id: status
        auth: anonymous
        match: { path: /status }
        static:
          json: { ok: true, ratio: 0.5, note: ~, version: "1.0" }
    """;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = _directory.File(name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    [Theory]
    [InlineData("portico.yaml")]
    [InlineData("portico.YML")]
    public async Task Load_YamlFile_ReadsTheSameRegistryAsJson(string name)
    {
        using var json = new FileRegistryStore(await WriteAsync("portico.json", Json), watch: false);
        using var yaml = new FileRegistryStore(await WriteAsync(name, Yaml), watch: false);

        var fromJson = (await json.LoadAsync(CancellationToken.None)).Document!;
        var fromYaml = await yaml.LoadAsync(CancellationToken.None);

        Assert.Empty(fromYaml.Errors);
        Assert.True(RegistryDiff.Compute(fromJson, fromYaml.Document!).IsEmpty, RegistryDiff.Compute(fromJson, fromYaml.Document!).ToString());
    }

    [Fact]
    public async Task Load_YamlMergeKey_ExpandsLikeTheLongForm()
    {
        const string Merged = """
        backends: [ { id: users, url: "http://127.0.0.1:7080" } ]
        routes:
          - &base { id: a, auth: anonymous, backend: users, match: { path: /a } }
          - <<: *base
            id: b
            match: { path: /b }
        """;
        using var store = new FileRegistryStore(await WriteAsync("merged.yaml", Merged), watch: false);

        var document = (await store.LoadAsync(CancellationToken.None)).Document!;

        Assert.Equal(["a", "b"], document.Routes.Select(r => r.Id));
        Assert.Equal(["users", "users"], document.Routes.Select(r => r.Backend));
        Assert.Equal("/b", document.Routes[1].Match.Path);
    }

    [Theory]
    // An unknown field: the field's own line and column in the YAML file.
    [InlineData("routes:\n  - id: r\n    auth: anonymous\n    match:\n      path: /r\n      colour: red\n    static: { body: hi }\n", "bad.yaml:6:7", "routes[0].match.colour: unknown field 'colour'")]
    // A wrong type: a number where the schema wants a list.
    [InlineData("routes:\n  - id: r\n    auth: anonymous\n    match: { path: /r, methods: 5 }\n    static: { body: hi }\n", "bad.yaml:4:24", "the value has the wrong type")]
    // A quoted number stays a string, as in JSON.
    [InlineData("routes:\n  - id: r\n    auth: anonymous\n    maxConcurrentRequests: \"10\"\n    match: { path: /r }\n    static: { body: hi }\n", "bad.yaml:4:5", "the value has the wrong type")]
    // A YAML syntax error.
    [InlineData("routes:\n  - id: r\n   auth: anonymous\n", "bad.yaml:3:4", "invalid YAML")]
    // Two documents in one file.
    [InlineData("routes: []\n---\nroutes: []\n", "bad.yaml:3:1", "one YAML document")]
    public async Task Load_InvalidYaml_NamesFileLineColumnAndField(string yaml, string location, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(yaml, "bad.yaml");

        var error = Assert.Single(errors);
        Assert.Equal(location, error.Location);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    // Found by the registry fuzzer (tests/Portico.Tests/Configuration/RegistryFuzzTests.cs): the YAML parser throws
    // InvalidOperationException, not a YamlException, on a flow sequence opened inside a block mapping's entry; the load
    // failed with an exception instead of a located error.
    [Theory]
    [InlineData("backends:\n  - id: b\n  [  url: http://127.0.0.1:9\nroutes: []\n")]
    [InlineData("backends:\n  - id: b\n  [  url: http://127.0.0.1:9\nroutes:\n  - id: r2\n    match: 204 }\n")]
    public async Task Load_YamlTheParserCannotRead_RefusedWithALocatedError(string yaml)
    {
        var errors = await RegistryValidation.ErrorsAsync(yaml, "bad.yaml");

        var error = Assert.Single(errors);
        Assert.StartsWith("bad.yaml:", error.Location, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_YamlCompileError_NamesTheYamlLineOfTheItemField()
    {
        const string Yaml = "backends:\n  - id: users\n    url: http://127.0.0.1:7080\nroutes:\n  - id: r\n    auth: anonymous\n    match: { path: /r }\n    backend: nobody\n";

        var error = Assert.Single(await RegistryValidation.ErrorsAsync(Yaml, "bad.yaml"));

        Assert.Equal("bad.yaml:8:5", error.Location);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal("backend", error.Field);
    }

    [Fact]
    public async Task KeysCreate_YamlFile_LeavesItUnchangedAndPrintsAnEntryThatLoadsAsYaml()
    {
        const string Yaml = "# partners\nconsumers:\n  - id: partner\n";
        var path = await WriteAsync("keys.yaml", Yaml);

        var (code, output, error) = await PorticoCli.RunAsync("keys", "create", "--consumer", "partner", "--config", path);

        Assert.Equal(3, code);
        Assert.Equal(Yaml, await File.ReadAllTextAsync(path));
        Assert.StartsWith("pk_", output.Trim(), StringComparison.Ordinal);
        var entry = error.Split('\n').Single(line => line.TrimStart().StartsWith("{ \"id\"", StringComparison.Ordinal)).Trim();
        await File.AppendAllTextAsync(path, "apiKeys:\n  - " + entry + "\n");
        using var store = new FileRegistryStore(path, watch: false);
        var key = Assert.Single((await store.LoadAsync(CancellationToken.None)).Document!.ApiKeys);
        Assert.Equal("partner", key.Consumer);
    }

    [Fact]
    public async Task Serve_YamlFile_AnswersItsRoutesAndReloadsEdits()
    {
        var path = await WriteAsync("portico.yaml", "routes:\n  - { id: hello, auth: anonymous, match: { path: /hello }, static: { body: hi } }\n");
        await using var gateway = GatewayProcess.Start("serve", "--config", path, "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        Assert.Equal("hi", await client.GetStringAsync("/hello"));

        await File.WriteAllTextAsync(path, "routes:\n  - { id: hello, auth: anonymous, match: { path: /hello }, static: { body: hello again } }\n");
        Assert.True(await Eventually.TrueAsync(async () => await client.GetStringAsync("/hello") == "hello again", TimeSpan.FromSeconds(20)));
    }
}
