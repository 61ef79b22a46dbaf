using System.Net;
using System.Text;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Validation.RequestValidationTests;

namespace Portico.Tests.Validation;

/// <summary>Routes that take their validation rules from OpenAPI 3.0 and 3.1 documents.</summary>
public sealed class OpenApiValidationTests : IAsyncLifetime
{
    private BodyRecordingBackend _recorder = null!;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    private IReadOnlyList<byte[]> Received => _recorder.Bodies;

    public async Task InitializeAsync()
    {
        _recorder = await BodyRecordingBackend.StartAsync();
        _backend = _recorder.Backend;
        _gateway = await ValidationGateway.StartAsync($$"""
        {
          "backends": [ { "id": "pets", "url": "{{_backend.Url}}" } ],
          "routes": [
            { "id": "create-pet", "auth": "anonymous", "match": { "path": "/v1/pets", "methods": [ "POST" ] }, "backend": "pets",
              "validation": { "openApi": { "document": "petstore-3.0.yaml", "operationId": "createPet" } } },
            { "id": "list-pets", "auth": "anonymous", "match": { "path": "/v1/pets", "methods": [ "GET" ] }, "backend": "pets",
              "validation": { "openApi": { "document": "petstore-3.0.yaml", "operationId": "listPets" },
                              "query": { "status": { "enum": [ "available" ] } } } },
            { "id": "pet", "auth": "anonymous", "match": { "path": "/v1/pets/{id:long}", "methods": [ "GET", "PUT", "DELETE", "HEAD" ] }, "backend": "pets",
              "validation": { "openApi": { "document": "petstore-3.0.yaml" } } },
            { "id": "create-order", "auth": "anonymous", "match": { "path": "/orders", "methods": [ "POST" ] }, "backend": "pets",
              "validation": { "openApi": { "document": "orders-3.1.yaml", "operationId": "createOrder" } } },
            { "id": "get-order", "auth": "anonymous", "match": { "path": "/orders/{orderId}", "methods": [ "GET" ] }, "backend": "pets",
              "validation": { "openApi": { "document": "orders-3.1.yaml" } } }
          ]
        }
        """, new Dictionary<string, string>
        {
            ["petstore-3.0.yaml"] = ValidationGateway.Spec("petstore-3.0.yaml"),
            ["orders-3.1.yaml"] = ValidationGateway.Spec("orders-3.1.yaml"),
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _recorder.DisposeAsync();
    }

    [Fact]
    public async Task OpenApi30_BodyBreaksReferencedSchema_400WithPointers()
    {
        using var response = await PostJsonAsync("/v1/pets", """{ "name": "9lives", "age": 40, "owner": { "phone": "12" }, "colour": "red" }""");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var where = Violations(problem).Select(v => v.Where).ToList();
        Assert.Contains("/name", where);   // pattern
        Assert.Contains("/age", where);    // 3.0's exclusiveMaximum: true beside maximum 40
        Assert.Contains("/owner", where);  // the referenced Owner's required email
        Assert.Contains("/owner/phone", where);
        Assert.Contains("/colour", where); // additionalProperties: false
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task OpenApi30_ValidBodyWithNullableNull_ForwardedUnchanged()
    {
        var sent = """{"name":"Rex","tag":null,"age":39,"owner":{"email":"a@example.com"}}""";

        using var response = await PostJsonAsync("/v1/pets", sent);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(sent), Assert.Single(Received));
    }

    [Fact]
    public async Task OpenApi30_RequiredBodyMissing_400()
    {
        using var response = await _gateway.Client.PostAsync("/v1/pets", null);

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal("a request body is required", Assert.Single(Violations(problem)).Message);
    }

    [Theory]
    [InlineData("/v1/pets?limit=0", "limit", "must be at least 1")]
    [InlineData("/v1/pets?limit=x", "limit", "must be an integer")]
    [InlineData("/v1/pets?tags=short&tags=much-too-long-tag", "tags", "must be at most 12 characters long")]
    [InlineData("/v1/pets?status=sold", "status", "must be one of: available")] // the route's own rule replaces the document's
    public async Task OpenApi30_QueryParameters_CheckedFromTheDocument(string target, string name, string message)
    {
        using var response = await _gateway.Client.GetAsync(target);

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var violation = Assert.Single(Violations(problem));
        Assert.Equal(("query", name, message), (violation.In, violation.Where, violation.Message));
    }

    [Fact]
    public async Task OpenApi30_RepeatedArrayParameterWithinRules_Forwarded()
    {
        using var response = await _gateway.Client.GetAsync("/v1/pets?limit=5&tags=a&tags=b&status=available");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi30_MatchedByMethodAndPath_PathParameterRenamedByPosition()
    {
        // The route calls it {id}, the document {petId}; the document's path /pets/{petId} is the end of /v1/pets/{id:long}.
        using var response = await _gateway.Client.GetAsync("/v1/pets/0");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var violation = Assert.Single(Violations(problem));
        Assert.Equal(("path", "id", "must be at least 1"), (violation.In, violation.Where, violation.Message));
    }

    [Fact]
    public async Task OpenApi30_MatchedByMethodAndPath_EachMethodHasItsOperationsRules()
    {
        using var put = await _gateway.Client.PutAsync("/v1/pets/3", new StringContent("name=Rex", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, put.StatusCode);

        using var patchStyle = await _gateway.Client.PutAsync("/v1/pets/3", new StringContent("""{ "anything": true }""", Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.BadRequest, patchStyle.StatusCode); // +json bodies are checked against the JSON schema

        using var delete = await _gateway.Client.DeleteAsync("/v1/pets/0");
        Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);

        using var head = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/pets/0"));
        Assert.Equal(HttpStatusCode.BadRequest, head.StatusCode); // no HEAD operation: the GET's rules

        using var headValid = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/pets/1"));
        Assert.Equal(HttpStatusCode.OK, headValid.StatusCode);
        Assert.Equal(1, _backend.Count);
    }

    [Fact]
    public async Task OpenApi31_TypeArraysAndNestedReferences_Checked()
    {
        using var bad = await PostJsonAsync("/orders", """{ "lines": [ { "sku": "a", "quantity": 0 } ], "notes": 5, "total": 0 }""");
        var problem = await ProblemAssert.ReadAsync(bad, "validation-failed");
        var where = Violations(problem).Select(v => v.Where).ToList();
        Assert.Contains("/lines/0/quantity", where);
        Assert.Contains("/notes", where);
        Assert.Contains("/total", where);

        using var good = await PostJsonAsync("/orders", """{ "lines": [ { "sku": "a", "quantity": 2 } ], "notes": null, "total": 9.5 }""");
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Theory]
    [InlineData("/orders/ord_12345678?expand=true", HttpStatusCode.OK)]
    [InlineData("/orders/ord_123?expand=true", HttpStatusCode.BadRequest)]
    [InlineData("/orders/ord_12345678?expand=1", HttpStatusCode.BadRequest)]
    public async Task OpenApi31_PathPatternAndBooleanQuery_Checked(string target, HttpStatusCode expected)
    {
        using var response = await _gateway.Client.GetAsync(target);

        Assert.Equal(expected, response.StatusCode);
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        _gateway.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
}
