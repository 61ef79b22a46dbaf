using Microsoft.Extensions.DependencyInjection;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// <see cref="AuthServers"/> and a gateway serving, from a file, a registry written against them. A subclass names the
/// registry (and any settings or services); it is used as a class fixture where the tests can share one gateway, or
/// as the base of a test class that needs a fresh one per test.
/// </summary>
public abstract class AuthenticatedGateway : AuthServers
{
    public GatewayHost Gateway { get; private set; } = null!;

    /// <summary>The registry JSON; <see cref="AuthServers.Idp"/> and <see cref="AuthServers.Backend"/> are running.</summary>
    protected abstract string Registry();

    protected virtual Dictionary<string, string?>? Settings() => null;

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Gateway = await GatewayHost.StartWithFileAsync(Registry(), Settings(), ConfigureServices);
    }

    public override async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>A GET through the gateway with <paramref name="headers"/> (for a token, <see cref="TestRequests.Bearer"/>).</summary>
    public Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers) => TestRequests.GetAsync(Gateway.Client, path, headers);
}
