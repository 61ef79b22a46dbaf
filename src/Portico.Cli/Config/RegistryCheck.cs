using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.Cli.Config;

/// <summary>Validates a store's registry with the engine's own compiler, exactly as a running gateway would.</summary>
internal static class RegistryCheck
{
    public static async Task<(ReloadOutcome Outcome, GatewaySnapshot Snapshot)> RunAsync(IRegistryStore store, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.None))
            .AddSingleton<IRegistryStore>(store)
            // The gateway settings of this environment (for example Portico__Auth__IdentityToken__SigningKey) take part
            // in validation exactly as they would in a gateway started here.
            .AddPortico(new ConfigurationBuilder().AddEnvironmentVariables().Build())
            .BuildServiceProvider();
        await using (services)
        {
            var runtime = services.GetRequiredService<RegistryRuntime>();
            var outcome = await runtime.ReloadAsync(cancellationToken);
            return (outcome, runtime.Current);
        }
    }
}
