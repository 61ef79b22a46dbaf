using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Validation;

/// <summary>
/// Request validation through the Functions host and the worker behaves as through <c>portico serve</c>: a body that
/// breaks the schema is a 400 listing the violations, a wrong media type a 415, and a valid body reaches the backend
/// byte for byte after the gateway has read it.
/// </summary>
public sealed class RequestValidationTests(RequestValidationTests.App app) : IClassFixture<RequestValidationTests.App>
{
    /// <summary>One worker for the class: a validated route to a backend that echoes the body it received.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TestBackend Backend { get; private set; } = null!;

        public FunctionsGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Backend = await TestBackend.StartAsync(async context =>
            {
                context.Response.ContentType = "application/octet-stream";
                await context.Request.Body.CopyToAsync(context.Response.Body);
            });
            Gateway = await FunctionsGateway.StartWithFileAsync($$"""
            {
              "backends": [ { "id": "b", "url": "{{Backend.Url}}" } ],
              "routes": [
                { "id": "orders", "auth": "anonymous", "match": { "path": "/orders/{shop}", "methods": [ "POST" ] }, "backend": "b",
                  "validation": {
                    "path": { "shop": { "pattern": "^[a-z]{3}$" } },
                    "body": { "required": true, "schema": {
                      "type": "object", "required": [ "sku", "quantity" ],
                      "properties": { "sku": { "type": "string" }, "quantity": { "type": "integer", "minimum": 1 } } } } } }
              ]
            }
            """);
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Post_BodyBreaksSchemaAndPathBreaksPattern_400ListsBothAndBackendNotCalled()
    {
        var before = app.Backend.Count;
        using var response = await app.Gateway.Client.PostAsync("/orders/SHOP1", new StringContent("""{ "quantity": 0 }""", Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}{Environment.NewLine}{app.Gateway.Log}");
        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var places = problem.GetProperty("violations").EnumerateArray()
            .Select(v => v.GetProperty("in").GetString() + " " + (v.TryGetProperty("pointer", out var p) ? p : v.GetProperty("name")).GetString())
            .ToList();
        Assert.Contains("path shop", places);
        Assert.Contains("body ", places);          // the missing required sku
        Assert.Contains("body /quantity", places);
        Assert.Equal(before, app.Backend.Count);
    }

    [Fact]
    public async Task Post_WrongMediaType_415()
    {
        using var response = await app.Gateway.Client.PostAsync("/orders/abc", new StringContent("sku=a&quantity=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "unsupported-media-type");
    }

    [Fact]
    public async Task Post_ValidBody_ReachesBackendByteIdentical()
    {
        var sent = Encoding.UTF8.GetBytes("{\"sku\" : \"th\u00e9-\\u00e9\",\n \"quantity\":2 }");

        using var response = await app.Gateway.Client.PostAsync("/orders/abc", new ByteArrayContent(sent) { Headers = { ContentType = new("application/json") } });

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(sent, await response.Content.ReadAsByteArrayAsync());
    }
}
