using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Auth;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Auth;

/// <summary>
/// Reading a bearer token from <c>Authorization</c> without copying it (issue 25): where the token lies, the key a
/// verified token is remembered by, and a remembered token found again whichever way the header spaces it.
/// </summary>
public sealed class BearerTokenTests(BearerTokenTests.Fixture fixture) : IClassFixture<BearerTokenTests.Fixture>
{
    public const string Audience = "api://bearer";

    public sealed class Fixture : AuthenticatedGateway
    {
        protected override string Registry() => $$"""
        {
          "backends": [ { "id": "api", "url": {{J(Backend.Url)}} } ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "issuers": [ {{Idp.IssuerJson(Audience)}} ] } }
          ],
          "routes": [ { "id": "jwt", "auth": "users", "match": { "path": "/jwt" }, "backend": "api" } ]
        }
        """;
    }

    private static HttpRequest Request(params string[] authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization.Length > 0)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context.Request;
    }

    [Fact]
    public void TryRead_TokenIsAllOfTheRest_KeyIsTheHeaderItselfAndTokenTheRest()
    {
        var header = "Bearer abc.def.ghi";
        var request = Request(header);

        Assert.True(BearerToken.TryRead(request, out var malformed, out var credential));

        Assert.False(malformed);
        Assert.Same(header, credential.Key);
        Assert.Equal("abc.def.ghi", credential.Token);
        Assert.Equal("abc.def.ghi", credential.Span.ToString());
        Assert.Equal(11, credential.Length);
    }

    [Theory]
    [InlineData("bearer abc.def.ghi")]
    [InlineData("BEARER abc.def.ghi")]
    [InlineData("Bearer  abc.def.ghi")]
    [InlineData("Bearer abc.def.ghi ")]
    public void TryRead_SchemeSpelledOrSpacedOtherwise_KeyIsTheTokenSoOneTokenHasFewKeys(string header)
    {
        Assert.True(BearerToken.TryRead(Request(header), out var malformed, out var credential));

        Assert.False(malformed);
        Assert.Equal("abc.def.ghi", credential.Key);
        Assert.Equal("abc.def.ghi", credential.Token);
    }

    [Fact]
    public void TryRead_TokenWithSpacesAround_KeyIsTheTrimmedToken()
    {
        var request = Request("bearer   abc.def.ghi  ");

        Assert.True(BearerToken.TryRead(request, out var malformed, out var credential));

        Assert.False(malformed);
        Assert.Equal("abc.def.ghi", credential.Key);
        Assert.Equal("abc.def.ghi", credential.Token);
        Assert.Equal(11, credential.Length);
        Assert.Equal("abc.def.ghi", BearerToken.Read(request, out _));
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("Bearer    ")]
    [InlineData("Bearer a b")]
    [InlineData("Bearer a,b")]
    public void TryRead_EmptyOrTwoTokens_IsMalformed(string header)
    {
        Assert.False(BearerToken.TryRead(Request(header), out var malformed, out _));
        Assert.True(malformed);
        Assert.Null(BearerToken.Read(Request(header), out _));
    }

    [Fact]
    public void TryRead_HeaderRepeated_IsMalformed()
    {
        Assert.False(BearerToken.TryRead(Request("Bearer a", "Bearer b"), out var malformed, out _));
        Assert.True(malformed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearerabc")]
    public void TryRead_NoBearerToken_IsNeitherReadNorMalformed(string? header)
    {
        var request = header is null ? Request() : Request(header);

        Assert.False(BearerToken.TryRead(request, out var malformed, out _));
        Assert.False(malformed);
    }

    [Fact]
    public async Task Authenticate_SameTokenSpacedDifferently_PassesEveryTimeAndExpiredStillRefused()
    {
        var now = TimeProvider.System.GetUtcNow();
        var token = fixture.Idp.RsaToken(Audience, now);
        foreach (var header in new[] { "Bearer " + token, "Bearer " + token, "Bearer   " + token + " ", "bearer " + token, "Bearer   " + token + " " })
        {
            using var response = await fixture.GetAsync("/jwt", ("Authorization", header));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A token that expired (beyond the clock skew) is refused both as the whole header and trimmed.
        var expired = fixture.Idp.RsaToken(Audience, now, (_, p) => p["exp"] = TestTokens.Unix(now.AddMinutes(-10)));
        foreach (var header in new[] { "Bearer " + expired, "Bearer  " + expired })
        {
            using var response = await fixture.GetAsync("/jwt", ("Authorization", header));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }
}
