using System.Net;
using System.Text;
using Portico.Cli.Config;
using Portico.Configuration;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;
using Portico.Tests.Validation;

namespace Portico.Tests.Cli;

/// <summary><c>portico config import --openapi</c>: routes generated from OpenAPI 3.0 and 3.1 documents, re-imported by diff.</summary>
public sealed class OpenApiImportTests : IDisposable
{
    private const string Registry = """
        {
          // Hand-written parts stay exactly as they are.
          "backends": [
            { "id": "pets", "url": "http://127.0.0.1:9" }
          ],
          "routes": [
            { "id": "health", "auth": "anonymous", "match": { "path": "/health" }, "static": { "body": "ok" } }
          ]
        }

        """;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Import_Spec30IntoJsonFile_OneRoutePerOperationAndEveryOtherByteKept()
    {
        var (registry, spec) = await WriteAsync(Registry, "petstore-3.0.yaml");

        var (code, output, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry);

        Assert.True(code == 0, error);
        Assert.Contains("+ route pets.createPet", output);
        var text = await File.ReadAllTextAsync(registry);
        var cut = Registry.IndexOf("\"static\": { \"body\": \"ok\" } }", StringComparison.Ordinal) + "\"static\": { \"body\": \"ok\" } }".Length;
        Assert.StartsWith(Registry[..cut], text);
        Assert.EndsWith(Registry[cut..].TrimStart(), text);
        var routes = await RoutesAsync(registry);
        Assert.Equal(
            ["health", "pets.listPets", "pets.createPet", "pets.showPetById", "pets.updatePet", "pets.DELETE-pets-petId"],
            routes.Select(r => r.Id));
        var create = routes.Single(r => r.Id == "pets.createPet");
        Assert.Equal(("/pets", "POST", "petstore-3.0.yaml", "createPet"),
            (create.Match.Path, Assert.Single(create.Match.Methods!), create.Validation!.OpenApi!.Document, create.Validation.OpenApi.OperationId));
        Assert.Null(routes.Single(r => r.Id == "pets.DELETE-pets-petId").Validation!.OpenApi!.OperationId);
    }

    [Fact]
    public async Task Import_Spec30_GeneratedRoutesValidateRequestsThroughTheGateway()
    {
        await using var backend = await TestBackend.StartAsync();
        var (registry, spec) = await WriteAsync(Registry.Replace("http://127.0.0.1:9", backend.Url, StringComparison.Ordinal), "petstore-3.0.yaml");
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry)).ExitCode);

        await using var gateway = await ValidationGateway.StartAsync(await File.ReadAllTextAsync(registry), new Dictionary<string, string> { ["petstore-3.0.yaml"] = ValidationGateway.Spec("petstore-3.0.yaml") });
        using var invalid = await gateway.Client.PostAsync("/pets", new StringContent("""{ "age": 1 }""", Encoding.UTF8, "application/json"));
        using var badId = await gateway.Client.GetAsync("/pets/0");
        using var valid = await gateway.Client.GetAsync("/pets/12");

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Import_Spec31_RoutesForEveryOperation()
    {
        var (registry, spec) = await WriteAsync(Registry, "orders-3.1.yaml");

        var (code, output, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry, "--id-prefix", "orders-", "--path-prefix", "/api");

        Assert.True(code == 0, error);
        Assert.Contains("3 difference(s).", output);
        var routes = await RoutesAsync(registry);
        Assert.Equal(["/health", "/api/orders", "/api/orders/{orderId}", "/api/orders/{orderId}/cancel"], routes.Select(r => r.Match.Path));
        Assert.Equal(["health", "orders-createOrder", "orders-getOrder", "orders-cancelOrder"], routes.Select(r => r.Id));
    }

    [Fact]
    public async Task Reimport_SameDocument_NoDifferencesAndFileUntouched()
    {
        var (registry, spec) = await WriteAsync(Registry, "petstore-3.0.yaml");
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry)).ExitCode);
        var before = await File.ReadAllBytesAsync(registry);

        var (code, output, _) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry);

        Assert.Equal(0, code);
        Assert.Equal("No differences.", output.Trim());
        Assert.Equal(before, await File.ReadAllBytesAsync(registry));
    }

    [Fact]
    public async Task Reimport_ChangedDocument_FieldDiffAndOnlyChangedRoutesRewritten()
    {
        var (registry, spec) = await WriteAsync(Registry, "petstore-3.0.yaml");
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry)).ExitCode);

        // The operator tunes a generated route by hand; that line must survive the re-import byte for byte.
        var text = await File.ReadAllTextAsync(registry);
        var createLine = text.Split('\n').Single(l => l.Contains("\"pets.createPet\"", StringComparison.Ordinal));
        var tuned = createLine.Replace("\"backend\":\"pets\"", "\"backend\":\"pets\",\"maxRequestBodySize\":2048", StringComparison.Ordinal);
        Assert.NotEqual(createLine, tuned);
        await File.WriteAllTextAsync(registry, text.Replace(createLine, tuned, StringComparison.Ordinal));
        var healthLine = text.Split('\n').Single(l => l.Contains("\"health\"", StringComparison.Ordinal));

        // The next version of the document: one path renamed, one operation gone, one new.
        var next = ValidationGateway.Spec("petstore-3.0.yaml")
            .Replace("  /pets/{petId}:", "  /animals/{petId}:", StringComparison.Ordinal)
            .Replace("      operationId: listPets", "      operationId: searchPets", StringComparison.Ordinal);
        await File.WriteAllTextAsync(spec, next);

        var (code, output, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry);

        Assert.True(code == 0, error);
        Assert.Contains("~ route pets.showPetById", output);
        Assert.Contains("match.path: \"/pets/{petId}\" → \"/animals/{petId}\"", output);
        Assert.Contains("- route pets.listPets", output);
        Assert.Contains("+ route pets.searchPets", output);
        Assert.Contains("- route pets.DELETE-pets-petId", output);
        Assert.Contains("+ route pets.DELETE-animals-petId", output);
        Assert.DoesNotContain("pets.createPet", output);
        var after = await File.ReadAllTextAsync(registry);
        Assert.Contains(tuned, after);
        Assert.Contains(healthLine, after);
        Assert.Contains("// Hand-written parts stay exactly as they are.", after);
        var routes = await RoutesAsync(registry);
        Assert.Equal(2048, routes.Single(r => r.Id == "pets.createPet").MaxRequestBodySize);
        Assert.Equal(["health", "pets.createPet", "pets.showPetById", "pets.updatePet", "pets.searchPets", "pets.DELETE-animals-petId"], routes.Select(r => r.Id));
    }

    [Fact]
    public async Task Import_DryRun_ShowsDiffAndWritesNothing()
    {
        var (registry, spec) = await WriteAsync(Registry, "orders-3.1.yaml");

        var (code, output, _) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry, "--dry-run");

        Assert.Equal(0, code);
        Assert.Contains("+ route pets.getOrder", output);
        Assert.Equal(Registry, await File.ReadAllTextAsync(registry));
    }

    [Fact]
    public async Task Import_HandWrittenRouteHoldsAGeneratedId_RefusedWithExitCode2()
    {
        var (registry, spec) = await WriteAsync(Registry.Replace("\"id\": \"health\"", "\"id\": \"pets.createPet\"", StringComparison.Ordinal), "petstore-3.0.yaml");

        var (code, _, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry);

        Assert.Equal(2, code);
        Assert.Contains("route 'pets.createPet' exists and was not generated from petstore-3.0.yaml", error);
    }

    [Fact]
    public async Task Import_YamlRegistry_PrintsRoutesToPasteAndExitCode3()
    {
        var yaml = "backends:\n  - { id: pets, url: \"http://127.0.0.1:9\" }\nroutes:\n  - { id: health, auth: anonymous, match: { path: /health }, static: { body: ok } }\n";
        var (registry, spec) = await WriteAsync(yaml, "orders-3.1.yaml", "portico.yaml");

        var (code, _, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--config", registry);

        Assert.Equal(3, code);
        Assert.Contains("add:     {\"id\":\"pets.createOrder\"", error);
        Assert.Equal(yaml, await File.ReadAllTextAsync(registry));
    }

    [Theory]
    [InlineData("unknown-backend", "anonymous", 2, "unknown backend 'unknown-backend'")]
    [InlineData("pets", "nobody", 2, "nobody")]
    public async Task Import_ResultWouldBeInvalid_RefusedAndFileUnchanged(string backend, string auth, int expected, string message)
    {
        var (registry, spec) = await WriteAsync(Registry, "orders-3.1.yaml");

        var (code, _, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", backend, "--auth", auth, "--config", registry);

        Assert.Equal(expected, code);
        Assert.Contains(message, error);
        Assert.Contains("portico.json:", error);
        Assert.DoesNotContain(".portico.json.", error);
        Assert.Equal(Registry, await File.ReadAllTextAsync(registry));
    }

    [Fact]
    public async Task Import_BadArguments_DocumentedExitCodes()
    {
        var (registry, spec) = await WriteAsync(Registry, "orders-3.1.yaml");
        await File.WriteAllTextAsync(_directory.File("not-openapi.yaml"), "openapi: 2.5\ninfo: [\n");

        Assert.Equal(3, (await PorticoCli.RunAsync("config", "import", "--openapi", _directory.File("missing.yaml"), "--backend", "pets", "--auth", "anonymous", "--config", registry)).ExitCode);
        Assert.Equal(2, (await PorticoCli.RunAsync("config", "import", "--openapi", _directory.File("not-openapi.yaml"), "--backend", "pets", "--auth", "anonymous", "--config", registry)).ExitCode);
        Assert.Equal(2, (await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--config", registry)).ExitCode);
        Assert.Equal(2, (await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous")).ExitCode);
        Assert.Equal(2, (await PorticoCli.RunAsync("config", "import", registry)).ExitCode);
        Assert.Equal(Registry, await File.ReadAllTextAsync(registry));
    }

    [Fact]
    public async Task Import_IntoTableStorage_AddsThenUpdatesOnlyGeneratedRoutes()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var (registry, spec) = await WriteAsync(Registry, "petstore-3.0.yaml");
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", registry, "--storage", storage, "--table", table)).ExitCode);

        var (code, output, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--storage", storage, "--table", table);
        Assert.True(code == 0, error);
        Assert.Contains("+ route pets.showPetById", output);

        await File.WriteAllTextAsync(spec, ValidationGateway.Spec("petstore-3.0.yaml").Replace("  /pets/{petId}:", "  /animals/{petId}:", StringComparison.Ordinal));
        (code, output, error) = await PorticoCli.RunAsync("config", "import", "--openapi", spec, "--backend", "pets", "--auth", "anonymous", "--storage", storage, "--table", table);

        Assert.True(code == 0, error);
        Assert.Contains("match.path: \"/pets/{petId}\" → \"/animals/{petId}\"", output);
        var (exportCode, exported, _) = await PorticoCli.RunAsync("config", "export", "--storage", storage, "--table", table);
        Assert.Equal(0, exportCode);
        var routes = RegistrySerializer.ParseDocument(Encoding.UTF8.GetBytes(exported), "export").Value!.Routes;
        Assert.Contains(routes, r => r.Id == "health" && r.Static is not null);
        Assert.Equal("/animals/{petId}", routes.Single(r => r.Id == "pets.showPetById").Match.Path);
        Assert.Equal(Path.GetFullPath(spec), routes.Single(r => r.Id == "pets.showPetById").Validation!.OpenApi!.Document);
        Assert.DoesNotContain(routes, r => r.Id == "pets.DELETE-pets-petId");
    }

    private async Task<(string Registry, string Spec)> WriteAsync(string registry, string specName, string registryName = "portico.json")
    {
        var registryPath = _directory.File(registryName);
        var specPath = _directory.File(specName);
        await File.WriteAllTextAsync(registryPath, registry);
        await File.WriteAllTextAsync(specPath, ValidationGateway.Spec(specName));
        return (registryPath, specPath);
    }

    private static async Task<IReadOnlyList<RouteDefinition>> RoutesAsync(string registry)
    {
        using var store = new FileRegistryStore(registry, watch: false);
        var (outcome, snapshot) = await RegistryCheck.RunAsync(store, CancellationToken.None);
        Assert.True(outcome.Errors.Count == 0, string.Join(Environment.NewLine, outcome.Errors));
        return snapshot.Document.Routes;
    }
}
