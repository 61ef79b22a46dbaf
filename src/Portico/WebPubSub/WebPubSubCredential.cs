using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Portico.WebPubSub;

/// <summary>
/// The gateway's Microsoft Entra identity toward Azure Web PubSub: in Azure, its managed identity
/// (<see cref="DefaultAzureCredential"/>, the user-assigned one named by <c>AZURE_CLIENT_ID</c> when set), asked for
/// tokens of the service's audience. Created on first use, so a registry without Web PubSub routes never builds it.
/// </summary>
internal sealed class WebPubSubCredential
{
    /// <summary>The scope of the Web PubSub data plane.</summary>
    public const string Scope = "https://webpubsub.azure.com/.default";

    private readonly string? _clientId;
    private TokenCredential? _credential;

    public WebPubSubCredential(IConfiguration? configuration = null)
    {
        // Nothing of Azure.Core or Azure.Identity is touched here: the gateway builds this whether or not a route uses
        // Web PubSub, and loading those assemblies costs start-up time (issue 25).
        _clientId = configuration?["AZURE_CLIENT_ID"];
    }

    /// <summary>A credential other than the default chain (a workload identity, or a test's token issuer).</summary>
    public WebPubSubCredential(TokenCredential credential) => _credential = credential;

    /// <summary>A bearer token for the service; the credential caches and refreshes tokens itself.</summary>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) =>
        (await (Volatile.Read(ref _credential) ?? CreateDefault()).GetTokenAsync(new TokenRequestContext([Scope]), cancellationToken)).Token;

    /// <summary>The default chain, made on first use; when two requests race, both use the one published first.</summary>
    private TokenCredential CreateDefault()
    {
        Interlocked.CompareExchange(ref _credential, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = _clientId }), null);
        return _credential;
    }
}
