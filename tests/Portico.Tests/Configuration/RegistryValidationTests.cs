using Portico.Tests.Infrastructure;

namespace Portico.Tests.Configuration;

/// <summary>An invalid registry is rejected with messages that name the file, line, item and field.</summary>
public sealed class RegistryValidationTests
{
    [Theory]
    [InlineData("""{ "routes": [ { "id": "a", "auth": "keys", "auth": "anonymous", "match": { "path": "/a" }, "static": { "body": "x" } } ], "authPolicies": [ { "id": "keys", "type": "apiKey" } ] }""", "auth")]
    [InlineData("""{ "routes": [ { "id": "a", "auth": "anonymous", "match": { "path": "/a" }, "static": { "body": "x" } } ], "routes": [] }""", "routes")]
    [InlineData("""{ "routes": [ { "id": "a", "auth": "anonymous", "match": { "path": "/a" }, "static": { "json": { "k": 1, "k": 2 } } } ] }""", "k")]
    public async Task Validate_DuplicateJsonKey_IsAnErrorNamingTheKey(string json, string key)
    {
        // JSON parsers disagree on which of two equal keys wins (RFC 8259 §4); a later "auth" silently opening a
        // route, or a second "routes" dropping every route, must be the operator's error, as YAML's duplicates are.
        var errors = await RegistryValidation.ErrorsAsync(json);

        var error = Assert.Single(errors);
        Assert.StartsWith("portico.json:1:", error.Location);
        Assert.Contains($"duplicate key '{key}'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-users")]
    [InlineData(".users")]
    [InlineData("users v2")]
    [InlineData("users/v2")]
    [InlineData("us\u00e9rs")]
    [InlineData("users\n")]
    [InlineData("users\r\n")]
    public async Task Validate_IdOutsideItsAlphabet_IsRejected(string id)
    {
        var errors = await RegistryValidation.ErrorsAsync($$"""
        { "routes": [ { "id": {{System.Text.Json.JsonSerializer.Serialize(id)}}, "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }
        """);

        var error = Assert.Single(errors);
        Assert.Contains("ids are 1 to 128 letters, digits", error.Message);
    }

    [Theory]
    [InlineData("u")]
    [InlineData("9")]
    [InlineData("users.v2_beta-1")]
    public async Task Validate_IdInItsAlphabet_IsAccepted(string id)
    {
        var errors = await RegistryValidation.ErrorsAsync($$"""
        { "routes": [ { "id": "{{id}}", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }
        """);

        Assert.Empty(errors);
    }

    [Fact]
    public async Task Validate_IdLength_IsAtMost128()
    {
        var longest = new string('a', 128);
        Assert.Empty(await RegistryValidation.ErrorsAsync($$"""{ "routes": [ { "id": "{{longest}}", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }"""));

        var error = Assert.Single(await RegistryValidation.ErrorsAsync($$"""{ "routes": [ { "id": "{{longest}}a", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }"""));
        Assert.Contains("ids are 1 to 128", error.Message);
    }

    [Fact]
    public async Task Validate_UnknownField_NamesLineAndField()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "routes": [
            {
              "id": "users",
              "auth": "anonymous",
              "match": { "path": "/users", "methodz": ["GET"] },
              "static": { "body": "x" }
            }
          ]
        }
        """);
        var error = Assert.Single(errors);
        Assert.StartsWith("portico.json:6:", error.Location);
        Assert.Contains("methodz", error.ToString());
        Assert.Contains("unknown field", error.Message);
    }

    [Fact]
    public async Task Validate_MissingRequiredField_NamesIt()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "routes": [ { "id": "r1", "static": { "body": "x" } } ] }
        """);
        var error = Assert.Single(errors);
        Assert.Contains("match", error.Message);
        Assert.StartsWith("portico.json:1:", error.Location);
    }

    [Fact]
    public async Task Validate_RouteWithoutAuthPolicy_IsRejectedAndExplained()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "routes": [ { "id": "open", "match": { "path": "/x" }, "static": { "body": "x" } } ] }
        """);
        var error = Assert.Single(errors);
        Assert.Contains("'auth'", error.Message);
        Assert.Contains("anonymous", error.Message);
    }

    [Fact]
    public async Task Validate_UnknownAuthPolicy_NamesRouteAndField()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "routes": [ { "id": "r", "auth": "nobody", "match": { "path": "/x" }, "static": { "body": "x" } } ] }
        """);
        var error = Assert.Single(errors);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal("auth", error.Field);
        Assert.Contains("unknown authentication policy 'nobody'", error.Message);
    }

    [Fact]
    public async Task Validate_SyntaxError_NamesLineAndColumn()
    {
        var errors = await RegistryValidation.ErrorsAsync("{\n  \"routes\": [\n    { \"id\": \"a\" \"match\": {} }\n  ]\n}");
        var error = Assert.Single(errors);
        Assert.StartsWith("portico.json:3:", error.Location);
        Assert.Contains("invalid JSON", error.Message);
    }

    [Fact]
    public async Task Validate_SemanticErrors_AllReportedWithRouteIdFieldAndLine()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "backends": [
            { "id": "good", "url": "http://127.0.0.1:9" },
            { "id": "bad-url", "url": "ftp://example.com" }
          ],
          "routes": [
            { "id": "bad-template", "auth": "anonymous", "match": { "path": "/a/{id" }, "backend": "good" },
            { "id": "unknown-backend", "auth": "anonymous", "match": { "path": "/b" }, "backend": "nope" },
            { "id": "dup", "auth": "anonymous", "match": { "path": "/c" }, "backend": "good" },
            { "id": "dup", "auth": "anonymous", "match": { "path": "/d" }, "backend": "good" },
            { "id": "two-targets", "auth": "anonymous", "match": { "path": "/e" }, "backend": "good", "static": { "body": "x" } },
            { "id": "no-target", "auth": "anonymous", "match": { "path": "/f" } },
            { "id": "bad-timeout", "auth": "anonymous", "match": { "path": "/g" }, "backend": "good", "activityTimeout": "forever" },
            { "id": "too-long", "auth": "anonymous", "match": { "path": "/h" }, "backend": "good", "activityTimeout": "5m" },
            { "id": "reserved", "auth": "anonymous", "match": { "path": "/_portico/x" }, "backend": "good" },
            { "id": "bad-rewrite", "auth": "anonymous", "match": { "path": "/i/{id}" }, "backend": "good", "rewrite": { "path": "/x/{other}" } },
            { "id": "bad-constraint", "auth": "anonymous", "match": { "path": "/j/{id:nosuch}" }, "backend": "good" },
            { "id": "bad method", "auth": "anonymous", "match": { "path": "/k", "methods": ["G E T"] }, "backend": "good" }
          ]
        }
        """);

        void Expect(string subject, string field, string messagePart, int line)
        {
            Assert.Contains(errors, e => e.Subject == subject && e.Field == field
                && e.Message.Contains(messagePart, StringComparison.Ordinal)
                && e.Location!.StartsWith($"portico.json:{line}:", StringComparison.Ordinal));
        }

        Expect("backend 'bad-url'", "url", "not an absolute http or https URL", 4);
        Expect("route 'bad-template'", "match.path", "invalid route template", 7);
        Expect("route 'unknown-backend'", "backend", "unknown backend 'nope'", 8);
        Expect("route 'dup'", "id", "duplicate id", 10);
        Expect("route 'two-targets'", "", "exactly one target", 11);
        Expect("route 'no-target'", "", "exactly one target", 12);
        Expect("route 'bad-timeout'", "activityTimeout", "not a positive duration", 13);
        Expect("route 'too-long'", "activityTimeout", "230s", 14);
        Expect("route 'reserved'", "match.path", "reserved", 15);
        Expect("route 'bad-rewrite'", "rewrite.path", "{other}", 16);
        Expect("route 'bad-constraint'", "match.path", "unknown route constraint 'nosuch'", 17);
        Expect("route 'bad method'", "id", "ids are", 18);
        Expect("route 'bad method'", "match.methods", "not an HTTP method", 18);
    }

    [Fact]
    public async Task Validate_NamesEndingInALineBreak_AreRefusedAsNotTokens()
    {
        // A method or header name is an RFC 9110 token; a trailing line break must not pass for one (it would fail
        // every request at run time instead of the registry at load time).
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "rateLimitPolicies": [ { "id": "per-tenant", "key": ["header:X-Tenant\n"], "rate": { "requests": 1, "per": "1s" } } ],
          "routes": [
            { "id": "method", "auth": "anonymous", "match": { "path": "/m", "methods": ["GET\n"] }, "backend": "b" },
            { "id": "static", "auth": "anonymous", "match": { "path": "/s" }, "static": { "headers": { "X-Static\n": "v" } } },
            { "id": "home", "auth": "anonymous", "match": { "path": "/h" }, "aggregate": { "parts": [
              { "name": "sent", "backend": "b", "path": "/a", "headers": { "X-Part\n": "v" } },
              { "name": "read", "backend": "b", "path": "/b", "headers": { "X-Copy": "{header.X-In\n}" } } ] } }
          ]
        }
        """);

        void Expect(string subject, string field, string messagePart) =>
            Assert.True(
                errors.Any(e => e.Subject == subject && e.Field == field && e.Message.Contains(messagePart, StringComparison.Ordinal)),
                $"expected {subject} {field}: {messagePart}; got:\n{string.Join("\n", errors)}");

        Expect("rateLimitPolicy 'per-tenant'", "key", "header:X-Tenant");
        Expect("route 'method'", "match.methods", "is not an HTTP method");
        Expect("route 'static'", "static.headers", "is not a valid header name");
        Expect("route 'home'", "aggregate.parts[0].headers.X-Part\n", "is not a valid header name");
        Expect("route 'home'", "aggregate.parts[1].headers.X-Copy", "is not a valid header name");
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public async Task Validate_ErrorToString_ReadsLocationSubjectFieldMessage()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "backend": "missing" } ]
        }
        """);
        Assert.Equal("portico.json:2:76: route 'r': backend: unknown backend 'missing'", Assert.Single(errors).ToString());
    }

    [Fact]
    public async Task Validate_ValidRegistryWithCommentsAndTrailingCommas_HasNoErrors()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          // The demo backend.
          "backends": [ { "id": "b", "url": "https://api.example.com/base" }, ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x/{id:int}", "hosts": ["*.example.com:8443"] }, "backend": "b" } ],
        }
        """);
        Assert.Empty(errors);
    }
}
