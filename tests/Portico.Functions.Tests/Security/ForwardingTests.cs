using System.Net;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Security;

/// <summary>
/// Who the backend is told the client is, through the host's hop: the host sets <c>X-Forwarded-*</c> from its own peer
/// and the worker's ASP.NET Core integration takes the client from them; Portico trusts that hop and nothing a client
/// wrote. Platform headers a client forges (App Service's, the host's invocation id, the worker's <c>X-Original-*</c>)
/// never reach a backend.
/// </summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task Request_FromAnotherAddressWithForgedHeaders_BackendSeesThatAddressAndNoPlatformHeader()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "echo", "auth": "anonymous", "match": { "path": "/echo/{**rest}" }, "backend": "b" } ]
        }
        """);
        // A client on 127.0.0.2: not the loopback address the worker's host hop comes from.
        using var client = LoopbackClient.From("127.0.0.2");
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url + "/echo/x?y=1");
        string[] forged =
        [
            "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https", "Forwarded: for=6.6.6.6;host=evil.example",
            "X-Real-IP: 6.6.6.6", "X-Client-IP: 6.6.6.6", "CLIENT-IP: 6.6.6.6", "X-ARR-SSL: forged", "X-ARR-LOG-ID: forged",
            "X-ARR-ClientCert: forged", "DISGUISED-HOST: evil.example", "WAS-DEFAULT-HOSTNAME: evil.example", "X-SITE-DEPLOYMENT-ID: evil",
            "X-Original-URL: /admin", "X-Original-For: 6.6.6.6", "X-Original-Host: evil.example", "X-WAWS-Unencoded-URL: /admin",
            "X-AppService-Proto: https", "X-MS-CLIENT-PRINCIPAL-NAME: admin",
        ];
        foreach (var header in forged)
        {
            var (name, value) = (header[..header.IndexOf(':')], header[(header.IndexOf(':') + 2)..]);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, gateway.Log);
        var seen = backend.LastRequest;
        Assert.Equal("/echo/x", seen.Path);
        Assert.Equal("?y=1", seen.Query);
        Assert.Equal("127.0.0.2", seen.Header("X-Forwarded-For"));
        Assert.Equal("http", seen.Header("X-Forwarded-Proto"));
        Assert.Equal(gateway.Authority, seen.Header("X-Forwarded-Host"));
        var leaked = seen.Headers.Keys.Where(name => !name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
            && (forged.Any(f => f.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                || name.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("X-ARR-", StringComparison.OrdinalIgnoreCase)
                || name.Equals("x-ms-invocation-id", StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.Empty(leaked);
        Assert.NotEqual(gateway.Authority, seen.Header("Host"));
    }
}
