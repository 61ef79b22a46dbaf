using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A real OpenID Connect issuer on 127.0.0.1: discovery document, JWKS and an RFC 7662 introspection endpoint, with
/// freshly generated RSA and EC keys. Tests rotate keys, take it down and count what was fetched.
/// </summary>
public sealed class TestAuthorizationServer : IAsyncDisposable
{
    public const string ClientId = "portico-gateway";
    public const string ClientSecret = "introspection-secret-0123456789";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _introspection = new(StringComparer.Ordinal);
    private volatile JsonObject[] _published = [];
    private int _discoveryFetches;
    private int _jwksFetches;
    private int _introspectionCalls;

    private TestAuthorizationServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public string Issuer => Url + "/";

    public string DiscoveryUrl => Url + "/.well-known/openid-configuration";

    public string JwksUrl => Url + "/jwks";

    public string IntrospectionUrl => Url + "/introspect";

    public RSA Rsa { get; } = RSA.Create(2048);

    public string RsaKid { get; } = "rsa-" + Guid.NewGuid().ToString("N")[..8];

    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string EcKid { get; } = "ec-" + Guid.NewGuid().ToString("N")[..8];

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public int IntrospectionCalls => Volatile.Read(ref _introspectionCalls);

    /// <summary>While true every endpoint answers 503, as an issuer in an outage.</summary>
    public bool Down { get; set; }

    public static async Task<TestAuthorizationServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestAuthorizationServer(app);
        server._published = [TestTokens.Jwk(server.Rsa, server.RsaKid), TestTokens.Jwk(server.Ec, server.EcKid)];
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>
    /// A JWT policy's <c>issuers</c> entry that trusts this server for <paramref name="audience"/>, finding its keys
    /// by discovery or at the JWKS URL; <paramref name="extra"/> adds members (each starting with a comma).
    /// </summary>
    public string IssuerJson(string audience, bool discovery = false, string extra = "")
    {
        var keys = discovery ? $"\"discoveryUrl\": {RegistryJson.J(DiscoveryUrl)}" : $"\"jwksUrl\": {RegistryJson.J(JwksUrl)}";
        return $$"""{ "issuer": {{RegistryJson.J(Issuer)}}, "audiences": [ {{RegistryJson.J(audience)}} ], {{keys}}, "requireHttps": false{{extra}} }""";
    }

    /// <summary>Publishes exactly these keys from now on.</summary>
    public void Publish(params JsonObject[] keys) => _published = keys;

    /// <summary>What the introspection endpoint says about <paramref name="token"/> (unknown tokens are inactive).</summary>
    public void SetIntrospection(string token, JsonObject response) => _introspection[token] = response;

    /// <summary>An access token signed with the server's RSA key; <paramref name="change"/> edits header and payload first.</summary>
    public string RsaToken(string audience, DateTimeOffset now, Action<JsonObject, JsonObject>? change = null) =>
        Token(audience, now, "RS256", RsaKid, TestTokens.Rs256(Rsa), change);

    public string EcToken(string audience, DateTimeOffset now, Action<JsonObject, JsonObject>? change = null) =>
        Token(audience, now, "ES256", EcKid, TestTokens.Es256(Ec), change);

    public string Token(string audience, DateTimeOffset now, string alg, string kid, Func<byte[], byte[]>? sign, Action<JsonObject, JsonObject>? change = null)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "at+jwt", ["kid"] = kid };
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = "user-1",
            ["azp"] = "partner-app",
            ["scope"] = "orders.read profile",
            ["roles"] = new JsonArray("reader"),
            ["iat"] = TestTokens.Unix(now),
            ["nbf"] = TestTokens.Unix(now),
            ["exp"] = TestTokens.Unix(now.AddMinutes(10)),
        };
        change?.Invoke(header, payload);
        return TestTokens.Encode(header, payload, sign);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Rsa.Dispose();
        Ec.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path == "/.well-known/openid-configuration")
        {
            Interlocked.Increment(ref _discoveryFetches);
        }
        else if (path == "/jwks")
        {
            Interlocked.Increment(ref _jwksFetches);
        }
        else if (path == "/introspect")
        {
            Interlocked.Increment(ref _introspectionCalls);
        }

        if (Down)
        {
            context.Response.StatusCode = 503;
            return;
        }

        switch (path)
        {
            case "/.well-known/openid-configuration":
                await Json(context, new JsonObject
                {
                    ["issuer"] = Issuer,
                    ["jwks_uri"] = JwksUrl,
                    ["introspection_endpoint"] = IntrospectionUrl,
                    ["id_token_signing_alg_values_supported"] = new JsonArray("RS256", "ES256"),
                });
                break;
            case "/jwks":
                await Json(context, new JsonObject { ["keys"] = new JsonArray([.. _published.Select(k => (JsonNode)k.DeepClone())]) });
                break;
            case "/introspect" when HttpMethods.IsPost(context.Request.Method):
                if (context.Request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ClientId + ":" + ClientSecret)))
                {
                    context.Response.StatusCode = 401;
                    return;
                }

                var form = await context.Request.ReadFormAsync();
                var token = form["token"].ToString();
                await Json(context, _introspection.TryGetValue(token, out var answer) ? answer : new JsonObject { ["active"] = false });
                break;
            default:
                context.Response.StatusCode = 404;
                break;
        }
    }

    private static Task Json(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(new JsonSerializerOptions()));
    }
}
