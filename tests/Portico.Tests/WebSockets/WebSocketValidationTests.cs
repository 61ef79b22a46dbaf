using Portico.Tests.Infrastructure;

namespace Portico.Tests.WebSockets;

/// <summary>Invalid <c>webSocket</c> blocks are configuration errors that name the route and the field.</summary>
public sealed class WebSocketValidationTests
{
    private static string Registry(string webSocket) => $$"""
    {
      "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
      "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "backend": "b", "webSocket": {{webSocket}} } ]
    }
    """;

    [Theory]
    [InlineData("""{ "idleTimeout": "soon" }""", "webSocket.idleTimeout", "'soon' is not a duration from 1s to 1d")]
    [InlineData("""{ "idleTimeout": "500ms" }""", "webSocket.idleTimeout", "from 1s to 1d")]
    [InlineData("""{ "idleTimeout": "2d" }""", "webSocket.idleTimeout", "from 1s to 1d")]
    [InlineData("""{ "maxMessageSize": 0 }""", "webSocket.maxMessageSize", "from 1 to 16777216 bytes")]
    [InlineData("""{ "maxMessageSize": 16777217 }""", "webSocket.maxMessageSize", "from 1 to 16777216 bytes")]
    [InlineData("""{ "maxConnectionsPerConsumer": 0 }""", "webSocket.maxConnectionsPerConsumer", "1 or more")]
    public async Task Validate_InvalidWebSocket_NamesRouteAndField(string webSocket, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(webSocket));

        var error = Assert.Single(errors);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("portico.json:", error.Location);
    }

    [Fact]
    public async Task Validate_WebSocketOnStaticRoute_IsRejected()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "routes": [ { "id": "s", "auth": "anonymous", "match": { "path": "/s" }, "static": { "body": "x" }, "webSocket": {} } ] }
        """);

        var error = Assert.Single(errors);
        Assert.Equal("webSocket", error.Field);
        Assert.Contains("only proxy routes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WebSocketOnBackendWithDestinations_IsRejected()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "backends": [ { "id": "b", "destinations": [ { "url": "http://127.0.0.1:1" }, { "url": "http://127.0.0.1:2" } ] } ],
          "routes": [ { "id": "w", "auth": "anonymous", "match": { "path": "/w" }, "backend": "b", "webSocket": {} } ]
        }
        """);

        var error = Assert.Single(errors);
        Assert.Equal("route 'w'", error.Subject);
        Assert.Equal("webSocket", error.Field);
        Assert.Contains("backend 'b' has destinations", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DisabledBlockWithDefaults_IsAccepted()
    {
        Assert.Empty(await RegistryValidation.ErrorsAsync(Registry("""{ "enabled": false }""")));
        Assert.Empty(await RegistryValidation.ErrorsAsync(Registry("{}")));
    }
}
