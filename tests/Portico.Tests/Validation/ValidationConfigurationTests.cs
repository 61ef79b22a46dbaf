using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Infrastructure;
using Portico.Storage.File;
using Portico.Cli.Config;

namespace Portico.Tests.Validation;

/// <summary>Validation rules are compiled when the registry loads: every bad rule is an error naming file, line and field.</summary>
public sealed class ValidationConfigurationTests
{
    private static string Registry(string validation) => $$"""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "routes": [
            { "id": "r", "auth": "anonymous", "match": { "path": "/items/{id}" }, "backend": "b",
              "validation": {{validation}} }
          ]
        }
        """;

    [Theory]
    [InlineData("""{ "body": { "schema": { "type": 5 } } }""", "validation.body.schema", "not a schema Portico can use")]
    [InlineData("""{ "body": { "schema": { "pattern": "(a" } } }""", "validation.body.schema", "is not a valid regular expression")]
    [InlineData("""{ "body": { "schema": { "properties": { "a": { "pattern": "(a)\\1" } } } } }""", "validation.body.schema", "backreferences")]
    [InlineData("""{ "body": { "schema": { "patternProperties": { "(?=x)": {} } } } }""", "validation.body.schema", "lookarounds")]
    [InlineData("""{ "body": { "schema": { "$ref": "https://example.com/pet.json" } } }""", "validation.body.schema", "only references inside the schema")]
    [InlineData("""{ "body": { "schema": { "$ref": "#/$defs/missing" } } }""", "validation.body.schema", "points at nothing")]
    [InlineData("""{ "body": { "schema": 42 } }""", "validation.body.schema", "must be a JSON Schema")]
    [InlineData("""{ "body": { "maxDepth": 0 } }""", "validation.body.maxDepth", "1 to 256")]
    [InlineData("""{ "maxViolations": 1000 }""", "validation.maxViolations", "1 to 100")]
    [InlineData("""{ "query": { "q": { "pattern": "[" } } }""", "validation.query.q.pattern", "is not a valid regular expression")]
    [InlineData("""{ "query": { "q": { "pattern": "(?<=a)b" } } }""", "validation.query.q.pattern", "lookarounds")]
    [InlineData("""{ "query": { "q": { "type": "uuid" } } }""", "validation.query.q.type", "'uuid' is not a parameter type")]
    [InlineData("""{ "query": { "q": { "minimum": 1 } } }""", "validation.query.q.minimum", "integer and number parameters only")]
    [InlineData("""{ "query": { "q": { "type": "integer", "minimum": 5, "maximum": 1 } } }""", "validation.query.q.minimum", "no value could pass")]
    [InlineData("""{ "query": { "q": { "enum": [] } } }""", "validation.query.q.enum", "accepts no value")]
    [InlineData("""{ "path": { "name": { "type": "integer" } } }""", "validation.path.name", "has no parameter 'name'")]
    [InlineData("""{ "contentTypes": [ "json" ] }""", "validation.contentTypes[0]", "is not a media type")]
    [InlineData("""{ "contentTypes": [] }""", "validation.contentTypes", "accepts no body")]
    [InlineData("""{ "body": { "schema": "schemas/missing.json" } }""", "validation.body.schema", "'schemas/missing.json' does not exist")]
    public async Task Compile_BadRule_ErrorNamesFileLineAndField(string validation, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(validation));

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Contains(message, error.Message);
        Assert.Matches(@"^portico\.json:\d+:\d+$", error.Location);
    }

    [Fact]
    public async Task Compile_UnknownValidationField_ErrorNamesIt()
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry("""{ "bodyy": { } }"""));

        Assert.Contains(errors, e => e.ToString().Contains("bodyy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compile_SchemaFileNotJson_ErrorNamesTheSchemaFileAndItsLine()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(directory.File("schemas"));
        await File.WriteAllTextAsync(directory.File("schemas/pet.json"), "{\n  \"type\": \"object\",\n  \"properties\": { oops }\n}\n");
        var path = directory.File("portico.json");
        await File.WriteAllTextAsync(path, Registry("""{ "body": { "schema": "schemas/pet.json" } }"""));

        using var store = new FileRegistryStore(path, watch: false);
        var (outcome, _) = await RegistryCheck.RunAsync(store, CancellationToken.None);

        var error = Assert.Single(outcome.Errors);
        Assert.Equal("validation.body.schema", error.Field);
        Assert.StartsWith("schemas/pet.json:3:", error.Message);
        Assert.Matches(@"portico\.json:5:\d+$", error.Location);
    }

    [Fact]
    public async Task Compile_SchemaFileRelativeToRegistry_Accepted()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(directory.File("schemas"));
        await File.WriteAllTextAsync(directory.File("schemas/pet.json"), """{ "type": "object", "required": [ "name" ] }""");
        var path = directory.File("portico.json");
        await File.WriteAllTextAsync(path, Registry("""{ "body": { "schema": "schemas/pet.json" } }"""));

        using var store = new FileRegistryStore(path, watch: false);
        var (outcome, snapshot) = await RegistryCheck.RunAsync(store, CancellationToken.None);

        Assert.Empty(outcome.Errors);
        Assert.NotNull(Assert.Single(snapshot!.Routes.Routes).Validation);
    }

    [Fact]
    public async Task Reload_InvalidSchema_RejectedAndLastGoodRulesStayLive()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync("""
        {
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/items" }, "static": { "body": "ok" },
                        "validation": { "query": { "n": { "type": "integer" } } } } ]
        }
        """);

        await gateway.WriteConfigAsync("""
        {
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/items" }, "static": { "body": "ok" },
                        "validation": { "query": { "n": { "type": "integer", "pattern": "(" } } } } ]
        }
        """);
        var outcome = await gateway.Services.GetRequiredService<RegistryRuntime>().ReloadAsync(CancellationToken.None);

        Assert.Equal(ReloadKind.Rejected, outcome.Kind);
        Assert.Contains(outcome.Errors, e => e.Field == "validation.query.n.pattern" && e.Location!.EndsWith("portico.json:3:70", StringComparison.Ordinal));
        using var refused = await gateway.Client.GetAsync("/items?n=x");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        using var served = await gateway.Client.GetAsync("/items?n=1");
        Assert.Equal("ok", await served.Content.ReadAsStringAsync());
    }
}
