using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portico.Auth;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Discovery;

/// <summary>
/// Discovery sources in the Functions app: each worker instance runs them in the background as <c>portico serve</c>
/// does, and instances register through the admin API behind the host.
/// </summary>
public sealed class DiscoverySourcesTests
{
    [Fact]
    public async Task Functions_RegistrationAndDnsAndEtcdSources_TrafficReachesWhatTheyFound()
    {
        var (key, id) = ApiKeyFormat.Generate();
        await using var registered = await TestBackend.StartAsync();
        await using var resolved = await TestBackend.StartAsync();
        await using var watched = await TestBackend.StartAsync();
        await using var dns = await DnsmasqProcess.StartAsync("127.0.0.1 node.test\n", [$"_http._tcp.svc.test,node.test,{resolved.Port},10,1"]);
        await using var etcd = await EtcdProcess.StartAsync();
        await etcd.PutAsync("/svc/e/1", watched.Url);
        await using var gateway = await FunctionsGateway.StartWithFileAsync(
            $$"""
            {
              "backends": [
                { "id": "reg", "discovery": { "type": "registration", "registration": { "allowedNetworks": ["127.0.0.1"] } } },
                { "id": "dns", "discovery": { "type": "dns", "host": "_http._tcp.svc.test", "record": "srv" } },
                { "id": "etcd", "discovery": { "type": "etcd", "endpoints": ["{{etcd.Url}}"], "prefix": "/svc/e/" } }
              ],
              "routes": [
                { "id": "reg", "auth": "anonymous", "match": { "path": "/reg/{**rest}" }, "backend": "reg" },
                { "id": "dns", "auth": "anonymous", "match": { "path": "/dns/{**rest}" }, "backend": "dns" },
                { "id": "etcd", "auth": "anonymous", "match": { "path": "/etcd/{**rest}" }, "backend": "etcd" }
              ]
            }
            """,
            new Dictionary<string, string?>
            {
                [$"Portico__Admin__Keys__{id}__Hash"] = ApiKeyFormat.Hash(key),
                ["Portico__Discovery__DnsServers__0"] = dns.Server,
            });

        using var register = new HttpRequestMessage(HttpMethod.Put, "/_portico/admin/backends/reg/instances") { Content = JsonContent.Create(new { url = registered.Url }) };
        register.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var answer = await gateway.Client.SendAsync(register);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("shared").GetBoolean());

        foreach (var (path, backend) in new[] { ("/reg/x", registered), ("/dns/x", resolved), ("/etcd/x", watched) })
        {
            Assert.True(await Eventually.TrueAsync(async () =>
            {
                using var response = await gateway.Client.GetAsync(path);
                return response.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(20)), path);
            Assert.True(backend.Count > 0, path);
        }
    }
}
