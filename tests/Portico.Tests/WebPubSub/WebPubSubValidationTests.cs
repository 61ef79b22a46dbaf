using Portico.Tests.Infrastructure;

namespace Portico.Tests.WebPubSub;

/// <summary>Invalid <c>webPubSub</c> blocks are configuration errors that name the route and the field, never a key.</summary>
public sealed class WebPubSubValidationTests
{
    private const string KeySetting = "PORTICO_TESTS_WEBPUBSUB_KEY";
    private const string Key = "a-key-that-must-never-appear-in-an-error-0123456789";

    static WebPubSubValidationTests() => Environment.SetEnvironmentVariable(KeySetting, Key);

    private static string Registry(string webPubSub, string auth = "anonymous", string path = "/r") => $$"""
    {
      "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
      "routes": [ { "id": "r", "auth": "{{auth}}", "match": { "path": "{{path}}" }, "webPubSub": {{webPubSub}} } ]
    }
    """;

    private static string Block(string kind, string extra = "", string endpoint = "https://chat.webpubsub.azure.com") =>
        $$"""{ "endpoint": "{{endpoint}}", "hub": "chat", "kind": "{{kind}}"{{extra}} }""";

    public static TheoryData<string, string, string> Invalid => new()
    {
        { Block("negotiate", endpoint: "http://chat.webpubsub.azure.com"), "webPubSub.endpoint", "must be https" },
        { Block("negotiate", endpoint: "https://chat.webpubsub.azure.com/api"), "webPubSub.endpoint", "no path, query or credentials" },
        { Block("stream"), "webPubSub.kind", "'stream' is not 'negotiate', 'events' or 'send'" },
        { Block("negotiate", """, "credential": "password" """), "webPubSub.credential", "'password' is not 'managedIdentity' or 'accessKey'" },
        { Block("negotiate", """, "credential": "accessKey" """), "webPubSub.accessKeySettings", "needs the setting" },
        { Block("negotiate", """, "accessKeySettings": [ "PORTICO_TESTS_WEBPUBSUB_UNSET" ] """), "webPubSub.accessKeySettings[0]", "'PORTICO_TESTS_WEBPUBSUB_UNSET' is not set" },
        { Block("negotiate", """, "tokenLifetime": "30s" """), "webPubSub.tokenLifetime", "from 1m to 24h" },
        { Block("negotiate", """, "groups": [ "team-{tenant}" ] """), "webPubSub.groups[0]", "placeholders are {sub}, {consumer} and {claim:name}" },
        { Block("negotiate", """, "roles": [ "admin" ] """), "webPubSub.roles[0]", "'admin' is not a role" },
        { Block("send", """, "groups": [ "lobby" ] """), "webPubSub.groups", "only 'negotiate' routes" },
        { Block("events", """, "accessKeySettings": [ "PORTICO_TESTS_WEBPUBSUB_KEY" ] """), "webPubSub.events", "at least one event" },
        { Block("events", """, "accessKeySettings": [ "PORTICO_TESTS_WEBPUBSUB_KEY" ], "events": { "connect": { "backend": "nope", "path": "/c" } } """), "webPubSub.events.connect.backend", "unknown backend 'nope'" },
        { Block("events", """, "events": { "connect": { "backend": "b", "path": "/c" } } """), "webPubSub.accessKeySettings", "or an 'auth' policy other than 'anonymous'" },
        { Block("send"), "webPubSub.kind", "'{**target}'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Validate_InvalidWebPubSub_NamesRouteAndField(string block, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(block));

        var error = Assert.Single(errors);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WebPubSubWithBackend_TwoTargetsRejected()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "backend": "b",
                        "webPubSub": { "endpoint": "https://chat.webpubsub.azure.com", "hub": "chat", "kind": "negotiate" } } ] }
        """);

        Assert.Contains(errors, e => e.Message.Contains("set exactly one target", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_CompleteBridge_NoErrors()
    {
        var events = Block("events", """, "accessKeySettings": [ "PORTICO_TESTS_WEBPUBSUB_KEY" ], "events": { "message": { "backend": "b", "path": "/m" } } """);
        Assert.Empty(await RegistryValidation.ErrorsAsync(Registry(events)));
        Assert.Empty(await RegistryValidation.ErrorsAsync(Registry(Block("negotiate", """, "groups": [ "user-{sub}", "t-{claim:tid}" ] """))));
        Assert.Empty(await RegistryValidation.ErrorsAsync(Registry(Block("send"), path: "/send/{**target}")));
        Assert.Empty(await RegistryValidation.ErrorsAsync(Registry(Block("negotiate", endpoint: "http://127.0.0.1:8080"))));
    }
}
