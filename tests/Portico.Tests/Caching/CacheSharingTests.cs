using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Portico.Caching;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Caching;

/// <summary>
/// Two gateway instances sharing Azurite (Table for purges, Blob for the shared store): purges reach every instance,
/// a new instance starts warm, and one that slept through a purge does not serve what it removed.
/// </summary>
public sealed class CacheSharingTests : IAsyncLifetime
{
    private readonly AdminTestKit.AdminKey _admin = AdminTestKit.NewKey();
    private readonly List<GatewayHost> _instances = [];
    private Dictionary<string, string?> _settings = null!;
    private TestBackend _backend = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(async context =>
        {
            Interlocked.Increment(ref _calls);
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers["Surrogate-Key"] = "product-" + context.Request.Path.Value!.Split('/').Last();
            await context.Response.WriteAsync("product " + context.Request.Path);
        });
        _settings = AdminTestKit.KeySettings(_admin);
        _settings["Portico:Storage:ConnectionString"] = await Azurite.ConnectionStringAsync();
        _settings["Portico:Caching:Purge:TableName"] = Azurite.NewTableName("purges");
        _settings["Portico:Caching:Purge:PollInterval"] = "00:00:00.200";
        _settings["Portico:Caching:Blob:ConnectionString"] = await Azurite.BlobConnectionStringAsync();
        _settings["Portico:Caching:Blob:Container"] = Azurite.NewContainerName("cache");
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await _backend.DisposeAsync();
    }

    private async Task<GatewayHost> StartInstanceAsync(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(_settings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "origin", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "products", "auth": "anonymous", "match": { "path": "/products/{**rest}" }, "backend": "origin", "cache": {} } ]
        }
        """, settings);
        _instances.Add(gateway);
        var ledger = gateway.Services.GetService(typeof(PurgeLedger)) as PurgeLedger;
        Assert.True(await Eventually.TrueAsync(() => ledger!.IsLoaded, TimeSpan.FromSeconds(20)), "purges were not read on start");
        return gateway;
    }

    /// <summary>Waits until the response of <paramref name="path"/> is stored here and its shared write is done (both follow the client's answer).</summary>
    private static async Task WaitForSharedWritesAsync(GatewayHost gateway, string path)
    {
        var cache = (ResponseCache)gateway.Services.GetService(typeof(ResponseCache))!;
        var shared = (SharedCacheTier)gateway.Services.GetService(typeof(SharedCacheTier))!;
        Assert.True(await Eventually.TrueAsync(() => cache.Entries().Any(e => e.Path == path) && shared.PendingWrites == 0, TimeSpan.FromSeconds(20)));
    }

    private Task<HttpResponseMessage> PurgeAsync(GatewayHost gateway, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_portico/admin/cache/purge") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _admin.Key);
        return gateway.Client.SendAsync(request);
    }

    /// <summary>GET through <paramref name="gateway"/> with the host name every instance is reached by.</summary>
    private static async Task<string> CacheStatusOfGetAsync(GatewayHost gateway, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "api.example";
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return string.Join(", ", response.Headers.GetValues("Cache-Status"));
    }

    [Fact]
    public async Task Purge_OnOneInstance_OtherInstanceStopsServingWithinThePollInterval()
    {
        var a = await StartInstanceAsync();
        var b = await StartInstanceAsync();
        await CacheStatusOfGetAsync(a, "/products/1");
        await CacheStatusOfGetAsync(b, "/products/1");
        Assert.Contains("hit", await CacheStatusOfGetAsync(b, "/products/1"));

        using var purge = await PurgeAsync(a, new { surrogateKey = "product-1" });
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        var answer = await AdminTestKit.ReadJsonAsync(purge);
        Assert.True(answer.GetProperty("shared").GetBoolean());
        Assert.Equal(1, answer.GetProperty("removedHere").GetInt32());

        // B polls every 200 ms: within a few intervals its entry is gone.
        var cacheB = (ResponseCache)b.Services.GetService(typeof(ResponseCache))!;
        Assert.True(await Eventually.TrueAsync(() => !cacheB.Entries().Any(), TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain("hit", await CacheStatusOfGetAsync(b, "/products/1"));
    }

    [Fact]
    public async Task NewInstance_EntryInSharedStore_ServedWithoutBackendCall()
    {
        var a = await StartInstanceAsync();
        await CacheStatusOfGetAsync(a, "/products/2");
        await WaitForSharedWritesAsync(a, "/products/2");
        Assert.Equal(1, _calls);

        var c = await StartInstanceAsync();
        var status = await CacheStatusOfGetAsync(c, "/products/2");

        Assert.Equal(1, _calls);
        Assert.StartsWith("Portico; hit", status);
    }

    [Fact]
    public async Task NewInstance_PurgedWhileItWasNotRunning_DoesNotServeFromSharedStore()
    {
        var a = await StartInstanceAsync();
        await CacheStatusOfGetAsync(a, "/products/3");
        await WaitForSharedWritesAsync(a, "/products/3");
        var d = await StartInstanceAsync();
        await CacheStatusOfGetAsync(d, "/products/3"); // d holds it in memory too
        await d.DisposeAsync();
        _instances.Remove(d);

        using var purge = await PurgeAsync(a, new { url = "/products/3" });
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);

        var e = await StartInstanceAsync(); // a new instance, like one woken from zero
        var status = await CacheStatusOfGetAsync(e, "/products/3");

        Assert.DoesNotContain("hit", status);
        Assert.Equal(2, _calls);
    }

    [Fact]
    public async Task Purge_ByPathPrefix_RemovesEveryMatchingEntry()
    {
        var a = await StartInstanceAsync();
        await CacheStatusOfGetAsync(a, "/products/4");
        await CacheStatusOfGetAsync(a, "/products/5");

        using var purge = await PurgeAsync(a, new { prefix = "/products/" });
        var answer = await AdminTestKit.ReadJsonAsync(purge);

        Assert.Equal(2, answer.GetProperty("removedHere").GetInt32());
        Assert.DoesNotContain("hit", await CacheStatusOfGetAsync(a, "/products/4"));
    }

    [Theory]
    [InlineData("""{ "url": "ftp://x/y" }""")]
    [InlineData("""{ "prefix": "products" }""")]
    [InlineData("""{ "url": "/a", "surrogateKey": "k" }""")]
    [InlineData("""{ "surrogateKey": "has space" }""")]
    [InlineData("""{ "other": "x" }""")]
    [InlineData("""[1]""")]
    [InlineData("""not json""")]
    [InlineData("""{ "surrogateKey": "\udc00" }""")]
    [InlineData("{ \"url\": \"/products/\u00FF\" }")]
    public async Task Purge_InvalidBody_400Problem(string body)
    {
        var a = await StartInstanceAsync();

        // Latin-1: every body is ASCII but the one with U+00FF, which goes as the byte 0xFF (not UTF-8).
        var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/_portico/admin/cache/purge") { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _admin.Key);
        using var response = await a.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "invalid-purge");
    }

    [Theory]
    [InlineData("text/plain")] // what a cross-site form or fetch may send without a CORS preflight
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task Purge_BodyNotDeclaredJson_415AndNothingPurged(string? contentType)
    {
        var a = await StartInstanceAsync();
        Assert.Contains("stored", await CacheStatusOfGetAsync(a, "/products/7"));
        var content = new ByteArrayContent("{ \"prefix\": \"/\" }"u8.ToArray());
        content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, "/_portico/admin/cache/purge") { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _admin.Key);

        using var response = await a.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "unsupported-media-type");
        Assert.Contains("hit", await CacheStatusOfGetAsync(a, "/products/7"));
    }

    [Fact]
    public async Task Purge_WithoutAdminCredential_Refused()
    {
        var a = await StartInstanceAsync();
        using var response = await a.Client.PostAsync("/_portico/admin/cache/purge", JsonContent.Create(new { surrogateKey = "x" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SharedStoreUnreachable_RequestsServedFromBackendAndLogged()
    {
        var a = await StartInstanceAsync(new Dictionary<string, string?>
        {
            ["Portico:Caching:Blob:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};BlobEndpoint=http://127.0.0.1:{Azurite.FreePort()}/{Azurite.AccountName};",
        });

        using var first = await a.Client.GetAsync("/products/6");
        await WaitForSharedWritesAsync(a, "/products/6");
        using var second = await a.Client.GetAsync("/products/6");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains(a.Logs.Entries, e => e.EventId.Id == 710);
    }
}
