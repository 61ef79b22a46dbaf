using Portico.Cli.Config;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Validation;

/// <summary>A route's OpenAPI reference is resolved when the registry loads; every problem names the route's field and the document.</summary>
public sealed class OpenApiConfigurationTests
{
    [Theory]
    [InlineData("""{ "document": "petstore-3.0.yaml", "operationId": "nope" }""", """[ "POST" ]""", "/pets", "validation.openApi.operationId", "has no operation with operationId 'nope'")]
    [InlineData("""{ "document": "petstore-3.0.yaml", "operationId": "createPet" }""", """[ "GET" ]""", "/pets", "validation.openApi.operationId", "is a POST")]
    [InlineData("""{ "document": "missing.yaml" }""", """[ "GET" ]""", "/pets", "validation.openApi.document", "'missing.yaml' does not exist")]
    [InlineData("""{ "document": "broken.yaml" }""", """[ "GET" ]""", "/pets", "validation.openApi.document", "broken.yaml")]
    [InlineData("""{ "document": "petstore-3.0.yaml" }""", "null", "/pets", "validation.openApi", "name the methods")]
    [InlineData("""{ "document": "petstore-3.0.yaml" }""", """[ "GET" ]""", "/owners", "validation.openApi", "has no path")]
    [InlineData("""{ "document": "petstore-3.0.yaml" }""", """[ "PATCH" ]""", "/pets/{id}", "validation.openApi", "has no PATCH operation at /pets/{petId}")]
    [InlineData("""{ "document": "bad-pattern.yaml", "operationId": "find" }""", """[ "GET" ]""", "/find", "validation.openApi", "bad-pattern.yaml: operation 'find': query parameter 'q'")]
    public async Task Compile_BadReference_ErrorNamesFieldAndDocument(string reference, string methods, string path, string field, string message)
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.File("petstore-3.0.yaml"), ValidationGateway.Spec("petstore-3.0.yaml"));
        await File.WriteAllTextAsync(directory.File("broken.yaml"), "openapi: 3.0.3\ninfo: [ unclosed\n");
        await File.WriteAllTextAsync(directory.File("bad-pattern.yaml"), """
            openapi: 3.1.0
            info: { title: t, version: "1" }
            paths:
              /find:
                get:
                  operationId: find
                  parameters:
                    - { name: q, in: query, schema: { type: string, pattern: "(a)\\1" } }
                  responses: { "200": { description: ok } }
            """);
        var registry = directory.File("portico.json");
        await File.WriteAllTextAsync(registry, $$"""
            {
              "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
              "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "{{path}}", "methods": {{methods}} }, "backend": "b",
                            "validation": { "openApi": {{reference}} } } ]
            }
            """);

        using var store = new FileRegistryStore(registry, watch: false);
        var (outcome, _) = await RegistryCheck.RunAsync(store, CancellationToken.None);

        var error = Assert.Single(outcome.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
        Assert.Matches(@"portico\.json:4:\d+$", error.Location);
    }
}
