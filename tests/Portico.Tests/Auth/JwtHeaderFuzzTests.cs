using System.Net;
using System.Text;
using CsCheck;
using Portico.Auth;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Auth;

/// <summary>
/// Fuzzing of bearer token parsing (issue 17): malformed tokens and <c>Authorization</c> headers, and JOSE headers
/// with hostile members, always get a 401 (or a 400 for a malformed header) with a <c>Bearer</c> challenge and a
/// problem body, never an exception, a 5xx, or a request to the backend.
/// </summary>
public sealed class JwtHeaderFuzzTests : AuthenticatedGateway
{
    private const string Audience = "api://fuzz";

    private static readonly string[] HeaderMembers =
    [
        "\"alg\":\"RS256\"", "\"alg\":\"none\"", "\"alg\":\"HS256\"", "\"alg\":\"ES256\"", "\"alg\":5", "\"alg\":null", "\"alg\":[]",
        "\"kid\":\"k1\"", "\"kid\":\"../../etc/passwd\"", "\"kid\":{}", "\"kid\":1e999", "\"typ\":\"at+jwt\"", "\"typ\":\"JWT\"",
        "\"crit\":[\"exp\"]", "\"crit\":[]", "\"crit\":\"b64\"", "\"b64\":false", "\"jku\":\"http://127.0.0.1:1/jwks\"",
        "\"x5u\":\"http://127.0.0.1:1/x\"", "\"jwk\":{\"kty\":\"oct\",\"k\":\"AA\"}", "\"zip\":\"DEF\"", "\"enc\":\"A128GCM\"",
        "\"x5c\":[\"AAAA\"]", "\"cty\":\"JWT\"", "\"alg\":\"RS256\",\"alg\":\"none\"", "\"\\u0000\":1", "\"a\":\"\\ud800\"",
    ];

    private static readonly string[] Junk = ["", ".", "..", "=", "+", "/", " ", "%", "é", "\t", "AAAA", "eyJ", "e30", "bnVsbA", "W10", "MQ", "*"];

    // Hundreds of rejected tokens from one address: the failed-authentication limit per address (100 a minute by
    // default) would answer 429 before the token is parsed, which is right at the edge but not what this fuzzes.
    protected override Dictionary<string, string?>? Settings() => new() { ["Portico:AddressLimits:FailedAuthentication:Limit"] = "0" };

    protected override string Registry() => $$"""
    {
      "backends": [ { "id": "api", "url": "{{Backend.Url}}" } ],
      "authPolicies": [ { "id": "users", "type": "jwt", "jwt": { "issuers": [ {{Idp.IssuerJson(Audience)}} ] } } ],
      "routes": [ { "id": "jwt", "auth": "users", "match": { "path": "/jwt" }, "backend": "api" } ]
    }
    """;

    private static string B64(string text) => TestTokens.B64(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Check_AnyEncodedHeader_ReturnsAReasonOrNullNeverThrows()
    {
        var json = Gen.OneOf(HeaderMembers).Array[0, 6].Select(members => "{" + string.Join(',', members) + "}");
        var encoded = Gen.Frequency((3, json.Select(B64)), (1, Gen.OneOf(Junk).Array[0, 6].Select(string.Concat)), (1, Gen.String));
        encoded.Sample(header => _ = JoseHeader.Check(header), iter: FuzzBudget.Iterations(20_000), time: FuzzBudget.Seconds, threads: 1);
    }

    [Fact]
    public void Gateway_MalformedTokensAndHeaders_BearerChallengeNeverAnErrorOrAForward()
    {
        var header = Gen.OneOf(HeaderMembers).Array[0, 5].Select(members => B64("{" + string.Join(',', members) + "}"));
        var part = Gen.Frequency((3, Gen.OneOf(Junk).Array[0, 4].Select(string.Concat)), (1, Gen.String[Gen.Char["A-Za-z0-9-_.=+/ "], 0, 60]),
            (1, Gen.Const(B64("""{"sub":"x","aud":"api://fuzz","exp":4102444800}"""))));
        var token = Gen.Select(header, part, part, Gen.Int[0, 4], (h, p, s, shape) => shape switch
        {
            0 => $"{h}.{p}.{s}",
            1 => $"{h}.{p}",
            2 => $"{h}.{p}.{s}.{p}.{s}",
            3 => $"{p}",
            _ => $"{h}..{s}",
        });
        // Visible ASCII only: the client refuses to send anything else (the gateway's answer to that is ClientFaultTests').
        var authorization = Gen.Select(Gen.OneOf("Bearer ", "bearer ", "Bearer  ", "Bearer\t", "Bearer", "Basic ", "Bearer a "), token,
            (scheme, t) => scheme + string.Concat(t.Where(c => c is >= ' ' and < '\u007f')));
        var status = new Dictionary<int, int>();
        authorization.Sample(value =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/jwt");
            request.Headers.TryAddWithoutValidation("Authorization", value);
            using var response = Gateway.Client.SendAsync(request).GetAwaiter().GetResult();
            var code = (int)response.StatusCode;
            status[code] = status.GetValueOrDefault(code) + 1;
            Assert.True(code is 400 or 401, $"{code} for '{value}'");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var challenge = string.Join(", ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));
            Assert.Contains("Bearer", challenge, StringComparison.Ordinal);
        }, iter: FuzzBudget.Iterations(400), time: FuzzBudget.Seconds, threads: 1);

        Assert.Equal(0, Backend.Count);
        Assert.True(status.GetValueOrDefault(401) > 0, "some cases reach token validation");
    }
}
