using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Routing;

/// <summary>
/// Inline route constraints are checked when the registry is compiled: what validation accepts matches requests
/// without ever answering 500, and what it refuses is named precisely (issue 22).
/// </summary>
public sealed class RouteConstraintTests
{
    private static string RouteWith(string path) =>
        $$"""{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "{{path}}" }, "static": { "body": "x" } } ] }""";

    [Theory]
    [InlineData("/x/{id:regex(^[a-z)}", "invalid regular expression")]
    [InlineData("/x/{id:regex(a)(b)}", "invalid regular expression")]
    [InlineData("/x/{id:regex(a)(}", "not closed")]
    [InlineData("/x/{id:regex(^(a)\\\\1$)}", "backreferences")]
    [InlineData("/x/{id:regex(^(?=a)a$)}", "lookarounds")]
    [InlineData("/x/{id:regex(^(?>a+)$)}", "atomic groups")]
    [InlineData("/x/{id:regex()}", "takes a regular expression")]
    [InlineData("/x/{id:min(x)}", "takes one whole number")]
    [InlineData("/x/{id:max()}", "takes one whole number")]
    [InlineData("/x/{id:min(1,2)}", "takes one whole number")]
    [InlineData("/x/{id:min(99999999999999999999)}", "takes one whole number")]
    [InlineData("/x/{id:length(5,2)}", "minimum 5 is greater than the maximum 2")]
    [InlineData("/x/{id:length(a)}", "'length' takes")]
    [InlineData("/x/{id:length(1,2,3)}", "'length' takes")]
    [InlineData("/x/{id:minlength(-1)}", "takes one length")]
    [InlineData("/x/{id:maxlength}", "takes one length")]
    [InlineData("/x/{id:range(1)}", "'range' takes")]
    [InlineData("/x/{id:range(9,1)}", "minimum 9 is greater than the maximum 1")]
    [InlineData("/x/{id:int(3)}", "'int' takes no argument")]
    [InlineData("/x/{id:alpha(1)}", "'alpha' takes no argument")]
    [InlineData("/x/{id:nope}", "unknown route constraint 'nope'")]
    [InlineData("/x/{id:Int32}", "unknown route constraint 'Int32'")]
    public async Task Validate_BadConstraint_IsRejectedNamingItAndWhy(string path, string reason)
    {
        var errors = await RegistryValidation.ErrorsAsync(RouteWith(path));

        var error = Assert.Single(errors);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal("match.path", error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("portico.json:1:", error.Location);
    }

    [Fact]
    public async Task ConfigValidate_InvalidRegex_ExitsTwoNamingFileLineAndConstraint()
    {
        using var directory = new TempDirectory();
        var path = directory.File("gateway.json");
        await File.WriteAllTextAsync(path, "{\n  \"routes\": [\n    { \"id\": \"r\", \"auth\": \"anonymous\", \"match\": { \"path\": \"/x/{id:regex(^[a-z)}\" }, \"static\": { \"body\": \"x\" } }\n  ]\n}\n");

        var (code, output, error) = await PorticoCli.RunAsync("config", "validate", path);

        Assert.True(code == 2, output + error);
        Assert.Contains($"{path}:3:", error);
        Assert.Contains("constraint 'regex(^[a-z)' on '{id}': invalid regular expression", error);
    }

    [Fact]
    public async Task Request_EveryAcceptedConstraintKind_MatchesOrMissesWithoutA500()
    {
        // One route per constraint kind, each with values that match and values that do not.
        await using var gateway = await GatewayHost.StartWithFileAsync("""
        {
          "routes": [
            { "id": "regex", "auth": "anonymous", "match": { "path": "/regex/{code:regex(^[a-z]{{3}}$)}" }, "static": { "body": "regex" } },
            { "id": "nested", "auth": "anonymous", "match": { "path": "/nested/{v:regex(^(a+)+$)}" }, "static": { "body": "nested" } },
            { "id": "int", "auth": "anonymous", "match": { "path": "/int/{v:int}" }, "static": { "body": "int" } },
            { "id": "range", "auth": "anonymous", "match": { "path": "/range/{v:range(-5,5)}" }, "static": { "body": "range" } },
            { "id": "length", "auth": "anonymous", "match": { "path": "/length/{v:length(2,3)}" }, "static": { "body": "length" } },
            { "id": "min", "auth": "anonymous", "match": { "path": "/min/{v:min(10)}" }, "static": { "body": "min" } },
            { "id": "guid", "auth": "anonymous", "match": { "path": "/guid/{v:guid}" }, "static": { "body": "guid" } },
            { "id": "datetime", "auth": "anonymous", "match": { "path": "/datetime/{v:datetime}" }, "static": { "body": "datetime" } },
            { "id": "alpha", "auth": "anonymous", "match": { "path": "/alpha/{v:alpha:minlength(2)}" }, "static": { "body": "alpha" } },
            { "id": "file", "auth": "anonymous", "match": { "path": "/file/{**v:file}" }, "static": { "body": "file" } },
            { "id": "optional", "auth": "anonymous", "match": { "path": "/optional/{v:int?}" }, "static": { "body": "optional" } }
          ]
        }
        """);

        (string Path, HttpStatusCode Status)[] probes =
        [
            ("/regex/abc", HttpStatusCode.OK), ("/regex/ABC", HttpStatusCode.OK), ("/regex/abcd", HttpStatusCode.NotFound),
            // A pattern with nested quantifiers against the input that makes a backtracking engine run for seconds.
            ("/nested/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HttpStatusCode.OK), ("/nested/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", HttpStatusCode.NotFound),
            ("/int/42", HttpStatusCode.OK), ("/int/4x", HttpStatusCode.NotFound), ("/int/99999999999", HttpStatusCode.NotFound),
            ("/range/-5", HttpStatusCode.OK), ("/range/6", HttpStatusCode.NotFound),
            ("/length/ab", HttpStatusCode.OK), ("/length/abcd", HttpStatusCode.NotFound),
            ("/min/10", HttpStatusCode.OK), ("/min/9", HttpStatusCode.NotFound),
            ("/guid/3f2504e0-4f89-11d3-9a0c-0305e82c3301", HttpStatusCode.OK), ("/guid/nope", HttpStatusCode.NotFound),
            ("/datetime/2024-02-29", HttpStatusCode.OK), ("/datetime/2023-02-29", HttpStatusCode.NotFound),
            ("/alpha/ab", HttpStatusCode.OK), ("/alpha/a", HttpStatusCode.NotFound), ("/alpha/a1", HttpStatusCode.NotFound),
            ("/file/a/b.txt", HttpStatusCode.OK), ("/file/a/b", HttpStatusCode.NotFound),
            ("/optional/7", HttpStatusCode.OK), ("/optional", HttpStatusCode.OK), ("/optional/x", HttpStatusCode.NotFound),
        ];
        foreach (var (path, status) in probes)
        {
            using var response = await gateway.Client.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.DoesNotContain(gateway.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Reload_InvalidRegex_IsRejectedAndTheLastGoodRegistryKeepsServing()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(RouteWith("/x/{id:regex(^[a-z]+$)}"));
        var applied = gateway.Logs.Entries.Count;

        await gateway.WriteConfigAsync(RouteWith("/x/{id:regex(^[a-z)}"));
        Assert.True(await Eventually.TrueAsync(
            () => gateway.Logs.Entries.Skip(applied).Any(e => e.EventId.Id == 101 && e.Message.Contains("invalid regular expression", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30)), "the reload was not rejected");

        using var response = await gateway.Client.GetAsync("/x/abc");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
