using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Auth;

namespace Portico.Tests.Caching;

/// <summary>Responses to authenticated callers are never served to another caller.</summary>
public sealed class CacheConsumerTests : IAsyncLifetime
{
    private CachingHarness _h = null!;
    private string _keyA = "";
    private string _keyB = "";

    public async Task InitializeAsync()
    {
        var (keyA, idA) = ApiKeyFormat.Generate();
        var (keyB, idB) = ApiKeyFormat.Generate();
        _keyA = keyA;
        _keyB = keyB;
        _h = await CachingHarness.StartAsync($$"""
        {
          "backends": [ { "id": "origin", "url": "{backend}" } ],
          "consumers": [ { "id": "alice" }, { "id": "bob" } ],
          "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
          "apiKeys": [
            { "id": "{{idA}}", "consumer": "alice", "hash": "{{ApiKeyFormat.Hash(keyA)}}" },
            { "id": "{{idB}}", "consumer": "bob", "hash": "{{ApiKeyFormat.Hash(keyB)}}" }
          ],
          "routes": [
            { "id": "shared", "auth": "keys", "match": { "path": "/shared/{**rest}" }, "backend": "origin", "cache": {} },
            { "id": "mine", "auth": "keys", "match": { "path": "/mine/{**rest}" }, "backend": "origin", "cache": { "varyByConsumer": true } }
          ]
        }
        """);
        _h.On("/shared/me", Personal("max-age=60"));
        _h.On("/shared/catalog", Personal("public, max-age=60"));
        _h.On("/mine/me", Personal("private, max-age=60"));
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static Func<Microsoft.AspNetCore.Http.HttpContext, int, Task> Personal(string cacheControl) => async (context, call) =>
    {
        context.Response.Headers.CacheControl = cacheControl;
        await context.Response.WriteAsync($"{context.Request.Headers["X-Portico-Consumer"]} {call}");
    };

    [Fact]
    public async Task Get_AuthenticatedCallerAndNotExplicitlyShareable_NeverServedToAnother()
    {
        using var alice = await _h.GetAsync("/shared/me", ("X-Api-Key", _keyA));
        using var bob = await _h.GetAsync("/shared/me", ("X-Api-Key", _keyB));

        Assert.Equal(2, _h.Calls("/shared/me"));
        Assert.NotEqual(await alice.Content.ReadAsStringAsync(), await bob.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_PublicResponse_SharedBetweenAuthenticatedCallers()
    {
        using var alice = await _h.GetAsync("/shared/catalog", ("X-Api-Key", _keyA));
        using var bob = await _h.GetAsync("/shared/catalog", ("X-Api-Key", _keyB));

        Assert.Equal(1, _h.Calls("/shared/catalog"));
    }

    [Fact]
    public async Task Get_VaryByConsumer_EachConsumerOwnEntryEvenForPrivate()
    {
        using var a1 = await _h.GetAsync("/mine/me", ("X-Api-Key", _keyA));
        using var b1 = await _h.GetAsync("/mine/me", ("X-Api-Key", _keyB));
        using var a2 = await _h.GetAsync("/mine/me", ("X-Api-Key", _keyA));
        using var b2 = await _h.GetAsync("/mine/me", ("X-Api-Key", _keyB));

        Assert.Equal(2, _h.Calls("/mine/me"));
        Assert.Equal(await a1.Content.ReadAsStringAsync(), await a2.Content.ReadAsStringAsync());
        Assert.Equal(await b1.Content.ReadAsStringAsync(), await b2.Content.ReadAsStringAsync());
        Assert.NotEqual(await a2.Content.ReadAsStringAsync(), await b2.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_CacheHit_StillAuthenticated()
    {
        using var alice = await _h.GetAsync("/shared/catalog", ("X-Api-Key", _keyA));
        using var anonymous = await _h.GetAsync("/shared/catalog");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
