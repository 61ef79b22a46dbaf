using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Auth;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Auth;

/// <summary>
/// The negative suite: forged, tampered, expired, misdirected and revoked credentials, each refused with 401 or 403,
/// a problem body that gives nothing away, and no request reaching the backend or the attacker's server. Every
/// policy is first shown to accept an honest credential (the control tests), so each refusal is meaningful.
/// </summary>
public sealed class NegativeCredentialTests(NegativeCredentialTests.Fixture fixture) : IClassFixture<NegativeCredentialTests.Fixture>
{
    public const string Audience = "api://orders";

    /// <summary>
    /// The gateway every case is sent to. Its <see cref="AuthServers.Backend"/> is the backend of every route the
    /// negative cases call: it must never see a request.
    /// </summary>
    public sealed class Fixture : AuthenticatedGateway
    {
        private string _good = "", _revoked = "", _disabled = "";

        /// <summary>The backend of the control routes (same policies), proving honest credentials pass.</summary>
        public TestBackend Control { get; private set; } = null!;

        /// <summary>Where forged jku / x5u headers point: it must never see a request either.</summary>
        public TestBackend Attacker { get; private set; } = null!;

        public RSA AttackerRsa { get; } = RSA.Create(2048);

        public ECDsa AttackerEc { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public X509Certificate2 Authority { get; } = TestCertificates.CreateAuthority("Portico Test CA");

        public X509Certificate2 OtherAuthority { get; } = TestCertificates.CreateAuthority("Someone Else's CA");

        public string GoodKey { get; private set; } = "";

        public string RevokedKey { get; private set; } = "";

        public string DisabledConsumerKey { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            Control = await TestBackend.StartAsync();
            Attacker = await TestBackend.StartAsync();
            (GoodKey, _good) = ApiKeyFormat.Generate();
            (RevokedKey, _revoked) = ApiKeyFormat.Generate();
            (DisabledConsumerKey, _disabled) = ApiKeyFormat.Generate();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Control.DisposeAsync();
            await Attacker.DisposeAsync();
            AttackerRsa.Dispose();
            AttackerEc.Dispose();
            Authority.Dispose();
            OtherAuthority.Dispose();
        }

        protected override string Registry() => $$"""
        {
          "backends": [ { "id": "api", "url": {{J(Backend.Url)}} }, { "id": "control", "url": {{J(Control.Url)}} } ],
          "consumers": [ { "id": "partner-a" }, { "id": "partner-off", "status": "disabled" } ],
          "apiKeys": [
            {{ApiKey(_good, "partner-a", GoodKey)}},
            {{ApiKey(_revoked, "partner-a", RevokedKey, """, "status": "revoked" """)}},
            {{ApiKey(_disabled, "partner-off", DisabledConsumerKey)}}
          ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "tokenType": "at+jwt", "maxTokenSize": 4096, "issuers": [
              {{Idp.IssuerJson(Audience, discovery: true, extra: """, "algorithms": [ "RS256", "ES256" ], "refreshInterval": "1h", "minRefreshInterval": "1h" """)}} ] } },
            { "id": "keys", "type": "apiKey" },
            { "id": "certs", "type": "mtls", "mtls": { "caCertificates": [ {{J(TestCertificates.Pem(Authority))}} ] } }
          ],
          "routes": [
            { "id": "jwt", "auth": "users", "match": { "path": "/jwt" }, "backend": "api" },
            { "id": "scoped", "auth": "users", "match": { "path": "/scoped" }, "backend": "api", "authorization": { "scopes": [ "orders.write" ] } },
            { "id": "key", "auth": "keys", "match": { "path": "/key" }, "backend": "api" },
            { "id": "cert", "auth": "certs", "match": { "path": "/cert" }, "backend": "api" },
            { "id": "jwt-control", "auth": "users", "match": { "path": "/control/jwt" }, "backend": "control" },
            { "id": "key-control", "auth": "keys", "match": { "path": "/control/key" }, "backend": "control" },
            { "id": "cert-control", "auth": "certs", "match": { "path": "/control/cert" }, "backend": "control" }
          ]
        }
        """;

        protected override Dictionary<string, string?> Settings() => new() { ["Portico:Auth:ClientCertificates:TrustForwardedHeader"] = "true" };
    }

    /// <summary>One forged or invalid credential: the route it is sent to, how the request is built, and the expected answer.</summary>
    private sealed record Case(string Path, Func<Fixture, DateTimeOffset, HttpRequestMessage> Build, HttpStatusCode Status, string Code, string Reason);

    private static HttpRequestMessage Bearer(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return request;
    }

    private static HttpRequestMessage Jwt(string token) => Bearer("/jwt", token);

    private static HttpRequestMessage WithHeader(string path, string name, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private static HttpRequestMessage Certificate(X509Certificate2 certificate) =>
        WithHeader("/cert", "X-ARR-ClientCert", Convert.ToBase64String(certificate.Export(X509ContentType.Cert)));

    private static string Forged(Fixture f, DateTimeOffset now, string alg, string kid, Func<byte[], byte[]>? sign, Action<JsonObject, JsonObject>? change = null) =>
        f.Idp.Token(Audience, now, alg, kid, sign, change);

    private static string AlgNone(Fixture f, DateTimeOffset now, string alg) => Forged(f, now, alg, f.Idp.RsaKid, null);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // alg: none and its case variants (RFC 8725 §3.1), with and without a trailing signature.
        ["alg none"] = new("/jwt", (f, now) => Jwt(AlgNone(f, now, "none")), HttpStatusCode.Unauthorized, "invalid-token", "unsigned"),
        ["alg None"] = new("/jwt", (f, now) => Jwt(AlgNone(f, now, "None")), HttpStatusCode.Unauthorized, "invalid-token", "unsigned"),
        ["alg NONE"] = new("/jwt", (f, now) => Jwt(AlgNone(f, now, "NONE")), HttpStatusCode.Unauthorized, "invalid-token", "unsigned"),
        ["alg nOnE with an RS256 signature"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "nOnE", f.Idp.RsaKid, TestTokens.Rs256(f.Idp.Rsa))), HttpStatusCode.Unauthorized, "invalid-token", "algorithm"),
        // Key confusion: HMAC keyed with the issuer's public key, or with any secret.
        ["HS256 signed with the RSA public key"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "HS256", f.Idp.RsaKid,
            TestTokens.Hs256(Encoding.ASCII.GetBytes(f.Idp.Rsa.ExportSubjectPublicKeyInfoPem())))), HttpStatusCode.Unauthorized, "invalid-token", "algorithm"),
        ["HS256 signed with the RSA key's DER"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "HS256", f.Idp.RsaKid,
            TestTokens.Hs256(f.Idp.Rsa.ExportSubjectPublicKeyInfo()))), HttpStatusCode.Unauthorized, "invalid-token", "algorithm"),
        ["HS256 with a random secret"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "HS256", f.Idp.RsaKid, TestTokens.Hs256(RandomNumberGenerator.GetBytes(32)))), HttpStatusCode.Unauthorized, "invalid-token", "algorithm"),
        // Keys offered by the token itself (RFC 8725 §3.10): never used, never fetched.
        ["embedded jwk with the attacker's key"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", "attacker", TestTokens.Rs256(f.AttackerRsa),
            (h, _) => h["jwk"] = TestTokens.Jwk(f.AttackerRsa, "attacker"))), HttpStatusCode.Unauthorized, "invalid-token", "unknown-kid"),
        ["embedded jwk under the issuer's kid"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", f.Idp.RsaKid, TestTokens.Rs256(f.AttackerRsa),
            (h, _) => h["jwk"] = TestTokens.Jwk(f.AttackerRsa, f.Idp.RsaKid))), HttpStatusCode.Unauthorized, "invalid-token", "signature"),
        ["jku pointing to the attacker"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", "attacker-jku", TestTokens.Rs256(f.AttackerRsa),
            (h, _) => h["jku"] = f.Attacker.Url + "/jwks")), HttpStatusCode.Unauthorized, "invalid-token", "unknown-kid"),
        ["x5u pointing to the attacker"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", f.Idp.RsaKid, TestTokens.Rs256(f.AttackerRsa),
            (h, _) => h["x5u"] = f.Attacker.Url + "/cert.pem")), HttpStatusCode.Unauthorized, "invalid-token", "signature"),
        ["x5c with the attacker's certificate"] = new("/jwt", (f, now) =>
        {
            var request = new CertificateRequest("CN=attacker", f.AttackerRsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
            return Jwt(Forged(f, now, "RS256", f.Idp.RsaKid, TestTokens.Rs256(f.AttackerRsa),
                (h, _) => h["x5c"] = new JsonArray(Convert.ToBase64String(certificate.RawData))));
        }, HttpStatusCode.Unauthorized, "invalid-token", "signature"),
        // Hostile kids: only ever a dictionary key.
        ["kid path traversal"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", "../../../../../../etc/passwd", TestTokens.Rs256(f.AttackerRsa))), HttpStatusCode.Unauthorized, "invalid-token", "unknown-kid"),
        ["kid SQL injection"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", "' OR '1'='1' --", TestTokens.Rs256(f.AttackerRsa))), HttpStatusCode.Unauthorized, "invalid-token", "unknown-kid"),
        ["kid header injection"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", "x\r\nX-Portico-Consumer: admin", TestTokens.Rs256(f.AttackerRsa))), HttpStatusCode.Unauthorized, "invalid-token", "unknown-kid"),
        ["kid of 300 characters"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", new string('k', 300), TestTokens.Rs256(f.AttackerRsa))), HttpStatusCode.Unauthorized, "invalid-token", "kid"),
        // Honest signature, wrong claims.
        ["expired"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now.AddMinutes(-30))), HttpStatusCode.Unauthorized, "invalid-token", "expired"),
        ["expired 2 minutes ago (beyond the 60 s skew)"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (_, p) => p["exp"] = TestTokens.Unix(now.AddMinutes(-2)))), HttpStatusCode.Unauthorized, "invalid-token", "expired"),
        ["nbf in the future"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (_, p) => p["nbf"] = TestTokens.Unix(now.AddMinutes(5)))), HttpStatusCode.Unauthorized, "invalid-token", "not-yet-valid"),
        ["no exp"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (_, p) => p.Remove("exp"))), HttpStatusCode.Unauthorized, "invalid-token", "no-expiry"),
        ["wrong iss"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (_, p) => p["iss"] = "https://evil.example/")), HttpStatusCode.Unauthorized, "invalid-token", "issuer"),
        ["iss without its trailing slash"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (_, p) => p["iss"] = f.Idp.Url)), HttpStatusCode.Unauthorized, "invalid-token", "issuer"),
        ["wrong aud"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken("api://billing", now)), HttpStatusCode.Unauthorized, "invalid-token", "audience"),
        ["typ JWT (an ID token, not at+jwt)"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (h, _) => h["typ"] = "JWT")), HttpStatusCode.Unauthorized, "invalid-token", "type"),
        ["no typ"] = new("/jwt", (f, now) => Jwt(f.Idp.EcToken(Audience, now, (h, _) => h.Remove("typ"))), HttpStatusCode.Unauthorized, "invalid-token", "type"),
        ["alg repeated in the header (RS256, then none)"] = new("/jwt", (f, now) =>
        {
            var payload = JsonNode.Parse(Convert.FromBase64String(Pad(f.Idp.RsaToken(Audience, now).Split('.')[1].Replace('-', '+').Replace('_', '/'))))!.ToJsonString();
            return Jwt(TestTokens.EncodeRaw($"{{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"{f.Idp.RsaKid}\",\"alg\":\"none\"}}", payload, TestTokens.Rs256(f.Idp.Rsa)));
        }, HttpStatusCode.Unauthorized, "invalid-token", "duplicate-header"),
        ["unknown crit extension"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (h, _) => { h["crit"] = new JsonArray("urn:example:ext"); h["urn:example:ext"] = true; })), HttpStatusCode.Unauthorized, "invalid-token", "crit"),
        ["oversized token"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now, (_, p) => p["pad"] = new string('x', 5000))), HttpStatusCode.Unauthorized, "invalid-token", "too-large"),
        ["tampered payload"] = new("/jwt", (f, now) =>
        {
            var parts = f.Idp.RsaToken(Audience, now).Split('.');
            var payload = JsonNode.Parse(Convert.FromBase64String(Pad(parts[1].Replace('-', '+').Replace('_', '/'))))!.AsObject();
            payload["sub"] = "admin";
            payload["scope"] = "orders.read orders.write admin";
            return Jwt(parts[0] + "." + TestTokens.B64(JsonSerializer.SerializeToUtf8Bytes(payload)) + "." + parts[2]);
        }, HttpStatusCode.Unauthorized, "invalid-token", "signature"),
        ["truncated signature"] = new("/jwt", (f, now) => Jwt(f.Idp.RsaToken(Audience, now)[..^12]), HttpStatusCode.Unauthorized, "invalid-token", "signature"),
        ["signature of another RSA key under the issuer's kid"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "RS256", f.Idp.RsaKid, TestTokens.Rs256(f.AttackerRsa))), HttpStatusCode.Unauthorized, "invalid-token", "signature"),
        ["ES256 under the issuer's RSA kid"] = new("/jwt", (f, now) => Jwt(Forged(f, now, "ES256", f.Idp.RsaKid, TestTokens.Es256(f.AttackerEc))), HttpStatusCode.Unauthorized, "invalid-token", "unknown-kid"),
        ["encrypted-looking token (five parts)"] = new("/jwt", (f, now) => Jwt("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"), HttpStatusCode.Unauthorized, "invalid-token", "malformed"),
        ["not a JWT"] = new("/jwt", (f, now) => Jwt("not-a-token"), HttpStatusCode.Unauthorized, "invalid-token", "malformed"),
        ["Authorization sent twice"] = new("/jwt", (f, now) =>
        {
            var request = Jwt(f.Idp.RsaToken(Audience, now));
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + f.Idp.RsaToken(Audience, now, (_, p) => p["sub"] = "admin"));
            return request;
        }, HttpStatusCode.Unauthorized, "invalid-token", "malformed"),
        ["no credentials"] = new("/jwt", (f, now) => new HttpRequestMessage(HttpMethod.Get, "/jwt"), HttpStatusCode.Unauthorized, "authentication-required", "missing"),
        ["Basic credentials on a bearer route"] = new("/jwt", (f, now) => WithHeader("/jwt", "Authorization", "Basic YWRtaW46YWRtaW4="), HttpStatusCode.Unauthorized, "authentication-required", "missing"),
        ["spoofed X-Portico identity headers, no token"] = new("/jwt", (f, now) =>
        {
            var request = WithHeader("/jwt", "X-Portico-Consumer", "admin");
            request.Headers.TryAddWithoutValidation("X-Portico-Subject", "admin");
            request.Headers.TryAddWithoutValidation("X-Portico-Auth-Method", "jwt");
            return request;
        }, HttpStatusCode.Unauthorized, "authentication-required", "missing"),
        ["valid token without the required scope"] = new("/scoped", (f, now) => Bearer("/scoped", f.Idp.RsaToken(Audience, now)), HttpStatusCode.Forbidden, "insufficient-scope", "insufficient-scope"),
        // API keys.
        ["revoked API key"] = new("/key", (f, now) => WithHeader("/key", "X-Api-Key", f.RevokedKey), HttpStatusCode.Unauthorized, "invalid-api-key", "revoked"),
        ["unknown API key"] = new("/key", (f, now) => WithHeader("/key", "X-Api-Key", ApiKeyFormat.Generate().Key), HttpStatusCode.Unauthorized, "invalid-api-key", "unknown-key"),
        ["API key with the right id and a wrong secret"] = new("/key", (f, now) => WithHeader("/key", "X-Api-Key", f.GoodKey[..^4] + "AAAA"), HttpStatusCode.Unauthorized, "invalid-api-key", "unknown-key"),
        ["malformed API key"] = new("/key", (f, now) => WithHeader("/key", "X-Api-Key", "' OR 1=1 --"), HttpStatusCode.Unauthorized, "invalid-api-key", "malformed"),
        ["API key of a disabled consumer"] = new("/key", (f, now) => WithHeader("/key", "X-Api-Key", f.DisabledConsumerKey), HttpStatusCode.Unauthorized, "invalid-api-key", "consumer-disabled"),
        ["API key in the query where the route does not allow it"] = new("/key", (f, now) => new HttpRequestMessage(HttpMethod.Get, "/key?api_key=" + f.GoodKey), HttpStatusCode.Unauthorized, "authentication-required", "missing"),
        ["API key as a bearer token"] = new("/key", (f, now) => Bearer("/key", f.GoodKey), HttpStatusCode.Unauthorized, "authentication-required", "missing"),
        // Client certificates (through the trusted front-end header).
        ["certificate from another CA"] = new("/cert", (f, now) =>
        {
            using var certificate = TestCertificates.CreateClient(f.OtherAuthority, "partner-a");
            return Certificate(certificate);
        }, HttpStatusCode.Unauthorized, "invalid-client-certificate", "certificate-untrusted"),
        ["expired certificate"] = new("/cert", (f, now) =>
        {
            using var certificate = TestCertificates.CreateClient(f.Authority, "partner-a", now.AddDays(-30), now.AddDays(-1));
            return Certificate(certificate);
        }, HttpStatusCode.Unauthorized, "invalid-client-certificate", "certificate-expired"),
        ["certificate not yet valid"] = new("/cert", (f, now) =>
        {
            using var certificate = TestCertificates.CreateClient(f.Authority, "partner-a", now.AddDays(1), now.AddDays(30));
            return Certificate(certificate);
        }, HttpStatusCode.Unauthorized, "invalid-client-certificate", "certificate-expired"),
        ["self-signed certificate naming the CA"] = new("/cert", (f, now) =>
        {
            using var forgedCa = TestCertificates.CreateAuthority("Portico Test CA");
            using var certificate = TestCertificates.CreateClient(forgedCa, "partner-a");
            return Certificate(certificate);
        }, HttpStatusCode.Unauthorized, "invalid-client-certificate", "certificate-untrusted"),
        ["garbage certificate header"] = new("/cert", (f, now) => WithHeader("/cert", "X-ARR-ClientCert", "MIIBforged=="), HttpStatusCode.Unauthorized, "invalid-client-certificate", "malformed"),
        ["no certificate"] = new("/cert", (f, now) => new HttpRequestMessage(HttpMethod.Get, "/cert"), HttpStatusCode.Unauthorized, "authentication-required", "missing"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Request_ForgedOrInvalidCredential_IsRefusedWithoutCallingAnyBackend(string name)
    {
        var @case = Cases[name];
        var now = TimeProvider.System.GetUtcNow();
        using var request = @case.Build(fixture, now);
        var credential = string.Join(" ", request.Headers.Select(h => string.Join(",", h.Value)));
        var logged = fixture.Gateway.Logs.Entries.Count;

        using var response = await fixture.Gateway.Client.SendAsync(request);

        Assert.Equal(@case.Status, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, @case.Code);
        Assert.False(problem.TryGetProperty("detail", out _), "a refusal carries no detail");
        var body = problem.GetRawText();
        Assert.DoesNotContain(fixture.Idp.RsaKid, body, StringComparison.Ordinal);
        Assert.DoesNotContain("passwd", body, StringComparison.Ordinal);
        if (@case.Status == HttpStatusCode.Unauthorized)
        {
            var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
            Assert.Contains(@case.Path switch { "/key" => "Portico-ApiKey", "/cert" => "Portico-ClientCertificate", _ => "Bearer" }, challenge, StringComparison.Ordinal);
            Assert.Equal(@case.Code != "authentication-required" && @case.Path is "/jwt", challenge.Contains("error=\"invalid_token\"", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains("error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, fixture.Backend.Count);
        Assert.Equal(0, fixture.Attacker.Count);
        // Refused for the reason under test (so no incidental check hides a gap), logged by reason, never with the credential.
        var refusal = Assert.Single(fixture.Gateway.Logs.Entries.Skip(logged), e => e.EventId.Id is 300 or 301);
        Assert.Equal(@case.Reason, refusal.State.Single(kv => kv.Key == "Reason").Value);
        foreach (var entry in fixture.Gateway.Logs.Entries)
        {
            foreach (var part in credential.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Length > 20))
            {
                Assert.DoesNotContain(part, entry.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Failures_AreCountedByRouteMethodAndReason()
    {
        var counted = new System.Collections.Concurrent.ConcurrentQueue<(string? Route, string? Method, string? Reason)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Portico" && instrument.Name == "portico.auth.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? route = null, method = null, reason = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "portico.route": route = tag.Value as string; break;
                    case "portico.auth.method": method = tag.Value as string; break;
                    case "reason": reason = tag.Value as string; break;
                }
            }

            counted.Enqueue((route, method, reason));
        });
        listener.Start();

        using var response = await fixture.Gateway.Client.SendAsync(Cases["wrong aud"].Build(fixture, TimeProvider.System.GetUtcNow()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(("jwt", "jwt", "audience"), counted);
    }

    [Fact]
    public void NegativeSuite_HasAtLeast25Cases() => Assert.True(Cases.Count >= 25, $"{Cases.Count} cases");

    [Fact]
    public async Task Control_HonestCredentialsOnTheSamePolicies_ArePassedToTheBackend()
    {
        var now = TimeProvider.System.GetUtcNow();
        using (var rsa = await fixture.Gateway.Client.SendAsync(Bearer("/control/jwt", fixture.Idp.RsaToken(Audience, now))))
        {
            Assert.Equal(HttpStatusCode.OK, rsa.StatusCode);
        }

        using (var ec = await fixture.Gateway.Client.SendAsync(Bearer("/control/jwt", fixture.Idp.EcToken(Audience, now))))
        {
            Assert.Equal(HttpStatusCode.OK, ec.StatusCode);
        }

        // Within the 60 s clock skew either side.
        using (var skewed = await fixture.Gateway.Client.SendAsync(Bearer("/control/jwt", fixture.Idp.RsaToken(Audience, now, (_, p) =>
               {
                   p["exp"] = TestTokens.Unix(now.AddSeconds(-30));
                   p["nbf"] = TestTokens.Unix(now.AddSeconds(30));
               }))))
        {
            Assert.Equal(HttpStatusCode.OK, skewed.StatusCode);
        }

        using (var key = await fixture.Gateway.Client.SendAsync(WithHeader("/control/key", "X-Api-Key", fixture.GoodKey)))
        {
            Assert.Equal(HttpStatusCode.OK, key.StatusCode);
        }

        using var certificate = TestCertificates.CreateClient(fixture.Authority, "partner-a");
        using var cert = WithHeader("/control/cert", "X-ARR-ClientCert", Convert.ToBase64String(certificate.Export(X509ContentType.Cert)));
        using (var certResponse = await fixture.Gateway.Client.SendAsync(cert))
        {
            Assert.Equal(HttpStatusCode.OK, certResponse.StatusCode);
        }

        Assert.Equal(5, fixture.Control.Count);
        Assert.Equal("CN=partner-a", fixture.Control.LastRequest.Header("X-Portico-Subject"));
        Assert.Null(fixture.Control.LastRequest.Header("X-ARR-ClientCert"));
    }

    [Fact]
    public async Task Request_FloodOfUnknownKids_CausesAtMostOneKeyFetch()
    {
        var now = TimeProvider.System.GetUtcNow();
        // Make sure the keys are loaded, then count fetches from here.
        using (await fixture.Gateway.Client.SendAsync(Bearer("/control/jwt", fixture.Idp.RsaToken(Audience, now))))
        {
        }

        var before = fixture.Idp.DiscoveryFetches + fixture.Idp.JwksFetches;
        var flood = Enumerable.Range(0, 40).Select(async i =>
        {
            var token = fixture.Idp.Token(Audience, now, "RS256", "made-up-" + i + "-" + Guid.NewGuid().ToString("N"), TestTokens.Rs256(fixture.AttackerRsa));
            using var response = await fixture.Gateway.Client.SendAsync(Jwt(token));
            return response.StatusCode;
        });

        var statuses = await Task.WhenAll(flood);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        // Discovery and JWKS are one fetch (two documents); a refresh interval of 1h allows at most that one.
        Assert.True(fixture.Idp.DiscoveryFetches + fixture.Idp.JwksFetches - before <= 2, $"{fixture.Idp.DiscoveryFetches + fixture.Idp.JwksFetches - before} documents fetched");
        Assert.Equal(0, fixture.Backend.Count);
        Assert.Equal(0, fixture.Attacker.Count);
    }

    private static string Pad(string base64) => base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
}
