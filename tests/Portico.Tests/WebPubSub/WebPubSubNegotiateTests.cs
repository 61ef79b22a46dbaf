using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.WebPubSub;

/// <summary>The negotiate route: an authenticated caller gets the service's client URL with a token scoped to it.</summary>
public sealed class WebPubSubNegotiateTests
{
    private static async Task<JsonElement> NegotiateAsync(WebPubSubGateway bridge)
    {
        var response = await TestRequests.GetAsync(bridge.Gateway.Client, "/chat/negotiate", ("X-Api-Key", WebPubSubGateway.Alice.Key));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Negotiate_AccessKey_TokenSignedWithTheKeyForTheCallersUserGroupsAndRoles()
    {
        await using var bridge = await WebPubSubGateway.StartAsync();
        var answer = await NegotiateAsync(bridge);

        var baseUrl = "ws" + bridge.Service.Url["http".Length..] + "/client/hubs/chat";
        var token = answer.GetProperty("token").GetString()!;
        Assert.Equal(baseUrl, answer.GetProperty("baseUrl").GetString());
        Assert.Equal(baseUrl + "?access_token=" + Uri.EscapeDataString(token), answer.GetProperty("url").GetString());

        // Verified as the service verifies a client: HS256 with the access key, audience the hub's client URL.
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = bridge.Service.Url + "/client/hubs/chat",
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(bridge.Service.AccessKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("alice", jwt.Subject);
        Assert.Equal(["lobby", "user-alice"], jwt.Claims.Where(c => c.Type == "webpubsub.group").Select(c => c.Value)); // no team claim: that group is left out
        Assert.Equal(["webpubsub.sendToGroup.lobby"], jwt.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.Equal(TimeSpan.FromMinutes(30), jwt.ValidTo - jwt.IssuedAt);
        Assert.Empty(bridge.Service.Calls); // signed locally: the service is not asked

        // The secondary key (or any other) does not verify it.
        var other = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = bridge.Service.Url + "/client/hubs/chat",
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(bridge.SecondaryKey)),
        });
        Assert.False(other.IsValid);
    }

    [Fact]
    public async Task Negotiate_ManagedIdentity_TokenIssuedByTheServiceForTheCaller()
    {
        await using var bridge = await WebPubSubGateway.StartAsync(credential: "managedIdentity");
        var answer = await NegotiateAsync(bridge);

        Assert.Equal("issued.by.service", answer.GetProperty("token").GetString());
        var call = Assert.Single(bridge.Service.Calls);
        Assert.Equal("managedIdentity", call.AuthenticatedBy); // an Entra token for https://webpubsub.azure.com, not a key
        Assert.Equal("POST", call.Method);
        Assert.Equal("/api/hubs/chat/:generateToken", call.Path);
        Assert.Equal("api-version=2024-01-01&userId=alice&role=webpubsub.sendToGroup.lobby&group=lobby&group=user-alice&minutesToExpire=30", call.RawQuery);
    }

    [Fact]
    public async Task Negotiate_NoCredential_401AndNoToken()
    {
        await using var bridge = await WebPubSubGateway.StartAsync(credential: "managedIdentity");
        var response = await bridge.Gateway.Client.GetAsync("/chat/negotiate");

        await ProblemAssert.ReadAsync(response, "authentication-required");
        Assert.Empty(bridge.Service.Calls);
    }

    [Fact]
    public async Task Negotiate_ServiceRefusesTheGateway_502NamingTheService()
    {
        await using var bridge = await WebPubSubGateway.StartAsync(credential: "managedIdentity");
        bridge.Service.FailWith = 403;
        var response = await TestRequests.GetAsync(bridge.Gateway.Client, "/chat/negotiate", ("X-Api-Key", WebPubSubGateway.Alice.Key));

        await ProblemAssert.ReadAsync(response, "web-pubsub-unavailable");
        Assert.Contains(bridge.Gateway.Logs.Entries, e => e.EventId.Id == 2900);
    }
}
