using System.Net;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Functions.Tests.Security;

/// <summary>
/// The filters that run before credentials under the Functions host: client address lists judge the client the host's
/// hop reports (not the hop itself), and the request filter (WAF) blocks an injection before the backend sees it.
/// </summary>
public sealed class EdgeFilterTests
{
    [Fact]
    public async Task IpRestriction_DeniedClientBehindTheHost_403WhileAnotherClientIsForwarded()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": {{J(backend.Url)}} } ],
          "routes": [ { "id": "api", "auth": "anonymous", "match": { "path": "/api" }, "backend": "b",
            "ipRestriction": { "deny": [ "127.0.0.3/32" ] } } ]
        }
        """);

        using var denied = LoopbackClient.From("127.0.0.3");
        using var refusal = await denied.GetAsync(gateway.Url + "/api");
        Assert.True(refusal.StatusCode == HttpStatusCode.Forbidden, gateway.Log);
        await ProblemAssert.ReadAsync(refusal, "ip-forbidden");
        Assert.Equal(0, backend.Count);

        // The list judges the client, not the host's hop (which is 127.0.0.1 for both clients).
        using var allowed = LoopbackClient.From("127.0.0.2");
        using var answer = await allowed.GetAsync(gateway.Url + "/api");
        Assert.True(answer.StatusCode == HttpStatusCode.OK, gateway.Log);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Waf_SqlInjectionInAQueryArgument_403RequestBlockedAndAnOrdinaryQueryForwarded()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": {{J(backend.Url)}} } ],
          "routes": [ { "id": "search", "auth": "anonymous", "match": { "path": "/search" }, "backend": "b", "waf": { "enabled": true } } ]
        }
        """);

        using var attack = await gateway.Client.GetAsync("/search?q=" + Uri.EscapeDataString("' OR '1'='1"));
        Assert.True(attack.StatusCode == HttpStatusCode.Forbidden, gateway.Log);
        var problem = await ProblemAssert.ReadAsync(attack, "request-blocked");
        Assert.DoesNotContain("'1'='1", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);

        using var ordinary = await gateway.Client.GetAsync("/search?q=" + Uri.EscapeDataString("O'Brien's café"));
        Assert.True(ordinary.StatusCode == HttpStatusCode.OK, gateway.Log);
        Assert.Equal(1, backend.Count);
    }
}
