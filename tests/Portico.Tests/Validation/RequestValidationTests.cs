using System.Net;
using System.Text;
using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Validation;

/// <summary>Per-route request validation (docs/validation.md) through a real gateway to a real backend.</summary>
public sealed class RequestValidationTests : IAsyncLifetime
{
    private BodyRecordingBackend _recorder = null!;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    private IReadOnlyList<byte[]> Received => _recorder.Bodies;

    public async Task InitializeAsync()
    {
        _recorder = await BodyRecordingBackend.StartAsync(201);
        _backend = _recorder.Backend;
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [
            { "id": "pets-create", "auth": "anonymous", "match": { "path": "/pets", "methods": [ "POST" ] }, "backend": "b", "maxRequestBodySize": 4096,
              "validation": { "body": { "required": true, "maxDepth": 5, "schema": {
                "type": "object", "required": [ "name" ], "additionalProperties": false,
                "properties": {
                  "name": { "type": "string", "maxLength": 20, "pattern": "^[A-Za-z ]+$" },
                  "age": { "type": "integer", "minimum": 0 },
                  "extra": {}
                } } } } },
            { "id": "pets-get", "auth": "anonymous", "match": { "path": "/pets/{id}", "methods": [ "GET" ] }, "backend": "b",
              "validation": {
                "path": { "id": { "type": "integer", "minimum": 1 } },
                "query": {
                  "limit": { "type": "integer", "required": true, "maximum": 100 },
                  "sort": { "enum": [ "asc", "desc" ] },
                  "q": { "pattern": "^(a+)+$" },
                  "tag": { "repeated": true, "maxLength": 5 },
                  "ratio": { "type": "number", "exclusiveMinimum": 0 },
                  "full": { "type": "boolean" }
                } } },
            { "id": "bounded", "auth": "anonymous", "match": { "path": "/bounded" }, "backend": "b",
              "validation": { "maxViolations": 3, "body": { "schema": { "type": "object", "additionalProperties": { "type": "integer" } } } } },
            { "id": "upload", "auth": "anonymous", "match": { "path": "/upload" }, "backend": "b",
              "validation": { "contentTypes": [ "application/json", "text/*" ], "body": { "maxDepth": 3 } } }
          ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _recorder.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Body_Valid_ReachesBackendByteIdentical(bool chunked)
    {
        // Odd spacing, escapes and non-ASCII text: a re-serialized body would differ in every one of them.
        var sent = Encoding.UTF8.GetBytes("{ \"age\" :7,\n\t\"name\":\"Rex\\u0020Dog\",  \"extra\": {\"café\": [1.50, 2e3, null]} }\r\n");
        HttpContent content = chunked ? new StreamContent(new MemoryStream(sent)) : new ByteArrayContent(sent);
        content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };

        using var response = await _gateway.Client.PostAsync("/pets", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(sent, Assert.Single(Received));
    }

    [Fact]
    public async Task Body_SchemaViolations_400ListsEachWithPointerAndBackendNotCalled()
    {
        using var response = await PostJsonAsync("/pets", """{ "name": "R2-D2", "age": -1, "owner": "x" }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var violations = Violations(problem);
        Assert.All(violations, v => Assert.Equal("body", v.In));
        Assert.Contains(violations, v => v.Where == "/name");
        Assert.Contains(violations, v => v.Where == "/age");
        Assert.Contains(violations, v => v.Where == "/owner");
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Body_Missing_400BodyRequired()
    {
        using var response = await _gateway.Client.PostAsync("/pets", null);

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var violation = Assert.Single(Violations(problem));
        Assert.Equal(("body", "", "a request body is required"), (violation.In, violation.Where, violation.Message));
        Assert.Equal(0, _backend.Count);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task ContentType_NotAccepted_415AndBackendNotCalled(string? contentType)
    {
        var content = new ByteArrayContent("""{ "name": "Rex" }"""u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = new(contentType);
        }

        using var response = await _gateway.Client.PostAsync("/pets", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "unsupported-media-type");
        Assert.Contains("application/json", problem.GetProperty("detail").GetString());
        Assert.Equal(0, _backend.Count);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    [InlineData("APPLICATION/JSON")]
    public async Task ContentType_JsonVariants_Accepted(string contentType)
    {
        var content = new ByteArrayContent("""{ "name": "Rex" }"""u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _gateway.Client.PostAsync("/pets", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Body_NestedDeeperThanMaxDepth_400WithoutParsingFurther()
    {
        using var response = await PostJsonAsync("/pets", """{ "name": "Rex", "extra": [[[[[1]]]]] }""");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        var violation = Assert.Single(Violations(problem));
        Assert.Equal("objects and arrays are nested deeper than 5 levels", violation.Message);
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Body_AtMaxDepth_Accepted()
    {
        using var response = await PostJsonAsync("/pets", """{ "name": "Rex", "extra": [[[[1]]]] }""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Body_MalformedJson_400WithPlaceButNotTheInput()
    {
        using var response = await PostJsonAsync("/pets", "{ \"name\": \"secret-token-4711\" \"age\": 1 }");

        var body = await response.Content.ReadAsStringAsync();
        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.StartsWith("is not valid JSON (line 1", Assert.Single(Violations(problem)).Message);
        Assert.DoesNotContain("secret-token", body);
    }

    [Fact]
    public async Task Body_StringEscapesALoneSurrogate_400NamingItNot500()
    {
        using var response = await PostJsonAsync("/pets", """{ "name": "Rex\udc00" }""");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal("is not valid JSON: it is not UTF-8 text, or a \\u escape leaves a surrogate unpaired", Assert.Single(Violations(problem)).Message);
    }

    [Fact]
    public async Task Body_ChunkedOverRouteLimit_413AndBackendNotCalled()
    {
        var large = "{ \"name\": \"" + new string('a', 5000) + "\" }";
        using var response = await _gateway.Client.PostAsync("/pets", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(large)))
        {
            Headers = { ContentType = new("application/json") },
        });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Violations_ManyErrors_ListCutAtMaxViolationsAndRestCounted()
    {
        var body = "{" + string.Join(",", Enumerable.Range(0, 50).Select(i => $"\"p{i}\": \"text\"")) + "}";

        using var response = await PostJsonAsync("/bounded", body);

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal(3, Violations(problem).Count);
        Assert.Equal(47, problem.GetProperty("omittedViolations").GetInt32());
        Assert.Equal("The request breaks 50 rules of this route.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Violations_HugeClientPropertyNames_AnswerStaysSmall()
    {
        var name = new string('k', 20_000);
        using var response = await PostJsonAsync("/bounded", $$"""{ "{{name}}1": "x", "{{name}}2": "y", "{{name}}3": "z" }""");

        var text = await response.Content.ReadAsStringAsync();
        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.All(Violations(problem), v => Assert.True(v.Where.Length <= 200, $"pointer of {v.Where.Length} characters"));
        Assert.True(text.Length < 2_000, $"the answer has {text.Length} characters");
    }

    [Theory]
    [InlineData("/pets/abc?limit=1", "path", "id", "must be an integer")]
    [InlineData("/pets/1.5?limit=1", "path", "id", "must be an integer")]
    [InlineData("/pets/0?limit=1", "path", "id", "must be at least 1")]
    [InlineData("/pets/1", "query", "limit", "is required")]
    [InlineData("/pets/1?limit=ten", "query", "limit", "must be an integer")]
    [InlineData("/pets/1?limit=101", "query", "limit", "must be at most 100")]
    [InlineData("/pets/1?limit=1&limit=2", "query", "limit", "may appear only once")]
    [InlineData("/pets/1?limit=1&sort=up", "query", "sort", "must be one of: asc, desc")]
    [InlineData("/pets/1?limit=1&tag=ok&tag=toolong", "query", "tag", "must be at most 5 characters long")]
    [InlineData("/pets/1?limit=1&ratio=0", "query", "ratio", "must be greater than 0")]
    [InlineData("/pets/1?limit=1&ratio=1e", "query", "ratio", "must be a number")]
    [InlineData("/pets/1?limit=1&full=yes", "query", "full", "must be true or false")]
    [InlineData("/pets/1?limit=1&q=aab", "query", "q", "must match the pattern ^(a+)+$")]
    public async Task Parameters_BreakingARule_400NamesParameterAndRule(string target, string @in, string name, string message)
    {
        using var response = await _gateway.Client.GetAsync(target);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal((@in, name, message), Assert.Single(Violations(problem)) is var v ? (v.In, v.Where, v.Message) : default);
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Parameters_SeveralBroken_AllListedInOrder()
    {
        using var response = await _gateway.Client.GetAsync("/pets/x?sort=up");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal(["path id", "query limit", "query sort"], Violations(problem).Select(v => $"{v.In} {v.Where}"));
    }

    [Fact]
    public async Task Parameters_PatternThatBacktracksCatastrophically_AnsweredAt400()
    {
        // ^(a+)+$ against a long run of 'a' ending in '!' takes exponential time in a backtracking engine.
        using var response = await _gateway.Client.GetAsync("/pets/1?limit=1&q=" + new string('a', 5_000) + "!");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal("q", Assert.Single(Violations(problem)).Where);
    }

    [Fact]
    public async Task Parameters_AllValid_ForwardedWithTheClientsTarget()
    {
        using var response = await _gateway.Client.GetAsync("/pets/7?limit=10&sort=asc&tag=a&tag=b&q=aaa&ratio=0.5&full=true");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/pets/7?limit=10&sort=asc&tag=a&tag=b&q=aaa&ratio=0.5&full=true", _backend.LastRequest.RawTarget);
    }

    [Fact]
    public async Task Body_NonJsonMediaTypeOnDepthOnlyRoute_ForwardedUnread()
    {
        using var response = await _gateway.Client.PostAsync("/upload", new StringContent("[[[[[[[[ not json", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("[[[[[[[[ not json"u8.ToArray(), Assert.Single(Received));
    }

    [Fact]
    public async Task Body_JsonOnDepthOnlyRoute_DepthChecked()
    {
        using var response = await PostJsonAsync("/upload", "[[[[1]]]]");

        var problem = await ProblemAssert.ReadAsync(response, "validation-failed");
        Assert.Equal("objects and arrays are nested deeper than 3 levels", Assert.Single(Violations(problem)).Message);
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        _gateway.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    internal static List<(string In, string Where, string Message)> Violations(JsonElement problem) =>
        [.. problem.GetProperty("violations").EnumerateArray().Select(v => (
            v.GetProperty("in").GetString()!,
            (v.TryGetProperty("pointer", out var pointer) ? pointer : v.GetProperty("name")).GetString()!,
            v.GetProperty("message").GetString()!))];
}
