using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Configuration;

/// <summary>
/// Values that validation accepts can be served: a header value Kestrel or HttpClient would refuse, a duration that
/// would overflow a clock, or a host name clients never send is refused when the registry is compiled (issue 22).
/// </summary>
public sealed class ServableValuesTests
{
    private static string StaticRoute(string staticJson) =>
        $$"""{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": {{staticJson}} } ] }""";

    [Theory]
    [InlineData("""{ "body": "x", "headers": { "X-Note": "café" } }""", "static.headers", "non-ASCII character 'é'")]
    [InlineData("""{ "body": "x", "headers": { "X-Note": "a\u0001b" } }""", "static.headers", "control character U+0001")]
    [InlineData("""{ "body": "x", "headers": { "X-Note": "a\u007fb" } }""", "static.headers", "control character U+007F")]
    [InlineData("""{ "body": "x", "headers": { "X-Note": "a\nb" } }""", "static.headers", "line break")]
    [InlineData("""{ "body": "x", "contentType": "text/plain; charset=\"é\"" }""", "static.contentType", "is not a media type")]
    public async Task Validate_StaticValueKestrelCannotSend_IsRefused(string staticJson, string field, string message)
    {
        var error = Assert.Single(await RegistryValidation.ErrorsAsync(StaticRoute(staticJson)));
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_CompositePartHeaderWithNonAsciiText_IsRefused()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x/{id}" },
            "aggregate": { "parts": [ { "name": "p", "backend": "b", "path": "/p", "headers": { "X-Who": "Zoë {route.id}" } } ] } } ]
        }
        """);
        var error = Assert.Single(errors);
        Assert.Equal("aggregate.parts[0].headers.X-Who", error.Field);
        Assert.Contains("non-ASCII character 'ë'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("366d")]
    [InlineData("10675199d")]
    [InlineData("10675199.02:48:05.4775807")]
    public async Task Validate_DurationBeyondTheGlobalMaximum_IsRefused(string duration)
    {
        var errors = await RegistryValidation.ErrorsAsync($$"""
        {
          "authPolicies": [ { "id": "i", "type": "introspection", "introspection": {
            "endpoint": "https://issuer.example/introspect", "clientId": "c", "clientSecretSetting": "S", "cacheDuration": "{{duration}}" } } ],
          "routes": [ { "id": "r", "auth": "i", "match": { "path": "/x" }, "static": { "body": "x" } } ]
        }
        """);
        Assert.Contains(errors, e => e.Field == "introspection.cacheDuration" && e.Message.Contains("duration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_InternationalizedHostPatternInEitherForm_MatchesTheAsciiFormClientsSend()
    {
        // Written as an A-label ("xn--…", how DNS zones and certificates spell it) or in Unicode.
        await using var gateway = await GatewayHost.StartWithFileAsync("""
        { "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x", "hosts": ["xn--bcher-kva.example", "*.café.example"] }, "static": { "body": "x" } } ] }
        """);

        foreach (var host in new[] { "xn--bcher-kva.example", "api.xn--caf-dma.example" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/x") { Headers = { Host = host } };
            using var response = await gateway.Client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{host}: {(int)response.StatusCode}");
        }
    }
}
