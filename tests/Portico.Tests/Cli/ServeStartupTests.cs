using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// Issue 25, item 5: <c>portico serve</c> loads nothing before its first answer that the configuration does not
/// need. Storage clients and the JWT validator are created in methods and types of their own, so a gateway
/// without storage or JWT never loads the Azure SDK or IdentityModel (every assembly load costs start-up time).
/// </summary>
public sealed class ServeStartupTests
{
    private static readonly string[] NotNeededWithoutStorageOrJwt =
    [
        "Azure.Core",
        "Azure.Data.Tables",
        "Azure.Storage.Blobs",
        "Azure.Storage.Common",
        "Azure.Identity",
        "Microsoft.IdentityModel.Tokens",
        "Microsoft.IdentityModel.JsonWebTokens",
        "Microsoft.IdentityModel.Protocols.OpenIdConnect",
        "System.IdentityModel.Tokens.Jwt",
    ];

    [Fact]
    public async Task Serve_FileRegistryWithOneAnonymousRoute_LoadsNoStorageOrJwtAssemblies()
    {
        await using var backend = await TestBackend.StartAsync();
        using var directory = new TempDirectory();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, $$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "plain", "auth": "anonymous", "match": { "path": "/plain/{**rest}" }, "backend": "b" } ]
        }
        """);
        await using var gateway = GatewayProcess.Start("serve", "--config", config, "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        using var response = await client.GetAsync("/plain/1k");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, backend.Count);
        var mapped = gateway.MappedAssemblies();
        Assert.Contains("Portico", mapped); // the listing sees the gateway's own assemblies
        Assert.Contains("Yarp.ReverseProxy", mapped);
        Assert.Equal([], NotNeededWithoutStorageOrJwt.Where(mapped.Contains).ToArray());
    }
}
