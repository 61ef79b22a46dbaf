using Portico.Tests.Infrastructure;

namespace Portico.Tests.Auth;

/// <summary>Authentication configuration that cannot work is refused at configuration time, naming the item and field.</summary>
public sealed class AuthValidationTests
{
    private static Task<IReadOnlyList<Portico.Configuration.ConfigurationError>> ErrorsAsync(string policies, string routes = "[]", string extra = "") =>
        RegistryValidation.ErrorsAsync($$"""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "consumers": [ { "id": "c1" } ],
          "authPolicies": {{policies}},
          "routes": {{routes}}
          {{extra}}
        }
        """);

    private static void Expect(IReadOnlyList<Portico.Configuration.ConfigurationError> errors, string subject, string field, string messagePart) =>
        Assert.True(
            errors.Any(e => e.Subject == subject && e.Field == field && e.Message.Contains(messagePart, StringComparison.Ordinal)),
            $"expected {subject}: {field}: …{messagePart}…; got:\n" + string.Join("\n", errors));

    [Theory]
    [InlineData("""[ { "id": "p", "type": "saml" } ]""", "authPolicy 'p'", "type", "unknown policy type 'saml'")]
    [InlineData("""[ { "id": "anonymous", "type": "apiKey" } ]""", "authPolicy 'anonymous'", "id", "built in")]
    [InlineData("""[ { "id": "p", "type": "jwt" } ]""", "authPolicy 'p'", "jwt", "needs 'jwt'")]
    [InlineData("""[ { "id": "p", "type": "apiKey", "jwt": { "issuers": [] } } ]""", "authPolicy 'p'", "jwt", "takes no 'jwt'")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "algorithms": [ "HS256" ], "jwksUrl": "https://i/jwks" } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0].algorithms", "'HS256' is not allowed")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "algorithms": [ "none" ], "jwksUrl": "https://i/jwks" } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0].algorithms", "'none' is not allowed")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "jwksUrl": "https://i/jwks", "discoveryUrl": "https://i/.well-known/openid-configuration" } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0]", "exactly one key source")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "jwksUrl": "http://i/jwks" } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0].jwksUrl", "must be https")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [], "jwksUrl": "https://i/jwks" } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0].audiences", "at least one audience")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "clockSkew": "10m", "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "jwksUrl": "https://i/jwks" } ] } } ]""", "authPolicy 'p'", "jwt.clockSkew", "at most 5m")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "publicKeys": [ "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" ] } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0].publicKeys[0]", "not a PEM RSA or EC public key")]
    [InlineData("""[ { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "jwks": { "keys": [ { "kty": "oct", "k": "c2VjcmV0" } ] } } ] } } ]""", "authPolicy 'p'", "jwt.issuers[0].jwks", "no RSA or EC signing key")]
    [InlineData("""[ { "id": "p", "type": "introspection", "introspection": { "endpoint": "https://i/introspect", "clientId": "g", "clientSecretSetting": "S", "unavailableStatus": 500 } } ]""", "authPolicy 'p'", "introspection.unavailableStatus", "401 or 503")]
    [InlineData("""[ { "id": "p", "type": "mtls", "mtls": { } } ]""", "authPolicy 'p'", "mtls", "no certificate could pass")]
    [InlineData("""[ { "id": "p", "type": "mtls", "mtls": { "thumbprints": [ "abc" ] } } ]""", "authPolicy 'p'", "mtls.thumbprints[0]", "64 hex digits")]
    [InlineData("""[ { "id": "p", "type": "mtls", "mtls": { "thumbprints": [ "AB00000000000000000000000000000000000000000000000000000000000000" ], "consumers": { "CN=x": "ghost" } } } ]""", "authPolicy 'p'", "mtls.consumers", "unknown consumer 'ghost'")]
    [InlineData("""[ { "id": "p", "type": "anyOf", "policies": [ "anonymous" ] } ]""", "authPolicy 'p'", "policies", "cannot be combined")]
    [InlineData("""[ { "id": "p", "type": "anyOf", "policies": [ "nope" ] } ]""", "authPolicy 'p'", "policies", "unknown authentication policy 'nope'")]
    [InlineData("""[ { "id": "a", "type": "anyOf", "policies": [ "b" ] }, { "id": "b", "type": "allOf", "policies": [ "a" ] } ]""", "authPolicy 'b'", "policies", "cycle")]
    [InlineData("""[ { "id": "p", "type": "apiKey", "apiKey": { "header": "X Api Key" } } ]""", "authPolicy 'p'", "apiKey.header", "not a valid header name")]
    public async Task Validate_InvalidPolicy_NamesPolicyAndField(string policies, string subject, string field, string message) =>
        Expect(await ErrorsAsync(policies), subject, field, message);

    [Theory]
    [InlineData("""{ "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "backend": "b", "authorization": { "scopes": [ "s" ] } }""", "authorization", "anonymous route has no caller")]
    [InlineData("""{ "id": "r", "auth": "jwt", "match": { "path": "/x" }, "backend": "b", "apiKeyInQuery": true }""", "apiKeyInQuery", "reads no API keys")]
    [InlineData("""{ "id": "r", "auth": "jwt", "match": { "path": "/x" }, "backend": "b", "identityToken": true }""", "identityToken", "Portico:Auth:IdentityToken:SigningKey")]
    [InlineData("""{ "id": "r", "auth": "jwt", "match": { "path": "/x" }, "backend": "b", "authorization": { "require": "someOf", "roles": [ "x" ] } }""", "authorization.require", "'allOf' or 'anyOf'")]
    [InlineData("""{ "id": "r", "auth": "jwt", "match": { "path": "/x" }, "backend": "b", "authorization": { } }""", "authorization", "at least one scope, role or claim")]
    [InlineData("""{ "id": "r", "auth": "saml", "match": { "path": "/x" }, "backend": "b" }""", "auth", "unknown authentication policy 'saml'")]
    public async Task Validate_InvalidRouteAuth_NamesRouteAndField(string route, string field, string message)
    {
        const string jwt = """[ { "id": "jwt", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "jwksUrl": "https://i/jwks" } ] } } ]""";
        Expect(await ErrorsAsync(jwt, $"[ {route} ]"), "route 'r'", field, message);
    }

    [Fact]
    public async Task Validate_ApiKeys_HashConsumerAndAtMostTwoActivePerConsumer()
    {
        var hash = new string('a', 64);
        var errors = await ErrorsAsync("[]", extra: $$"""
        , "apiKeys": [
          { "id": "abcdefghijkm", "consumer": "c1", "hash": "{{hash}}" },
          { "id": "bcdefghijkmn", "consumer": "c1", "hash": "{{hash}}" },
          { "id": "cdefghijkmnp", "consumer": "c1", "hash": "{{hash}}" },
          { "id": "defghijkmnpq", "consumer": "c1", "hash": "{{hash}}", "status": "revoked" },
          { "id": "efghijkmnpqr", "consumer": "ghost", "hash": "{{hash}}" },
          { "id": "fghijkmnpqrs", "consumer": "c1", "hash": "not-hex", "status": "revoked" },
          { "id": "bad id", "consumer": "c1", "hash": "{{hash}}", "status": "lost" }
        ]
        """);

        Expect(errors, "apiKey 'cdefghijkmnp'", "consumer", "already has two active keys");
        Expect(errors, "apiKey 'efghijkmnpqr'", "consumer", "unknown consumer 'ghost'");
        Expect(errors, "apiKey 'fghijkmnpqrs'", "hash", "64 hex digits");
        Expect(errors, "apiKey 'bad id'", "id", "12-character id");
        Expect(errors, "apiKey 'bad id'", "status", "'active' or 'revoked'");
        Assert.DoesNotContain(errors, e => e.Subject == "apiKey 'defghijkmnpq'");
    }

    [Fact]
    public async Task Validate_ErrorInAPolicy_IsLocatedOnItsLine()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "authPolicies": [
            { "id": "p", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://i/", "audiences": [ "a" ], "algorithms": [ "HS256" ], "jwksUrl": "https://i/jwks" } ] } }
          ],
          "routes": [ { "id": "r", "auth": "p", "match": { "path": "/x" }, "static": { "body": "x" } } ]
        }
        """);
        var error = Assert.Single(errors);
        Assert.StartsWith("portico.json:3:", error.Location, StringComparison.Ordinal);
    }
}
