using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Portico.Cli.Serve;

/// <summary>
/// The console logger without logging scopes, for console output that does not show them (the default: the
/// formatters' <c>IncludeScopes</c> is off).
/// </summary>
/// <remarks>
/// Kestrel opens a logging scope for every connection whenever any log level is on. When a logger provider takes
/// scopes from the logger factory (<see cref="ISupportExternalScope"/>, as the console provider does), each scope is an
/// <see cref="AsyncLocal{T}"/> on the connection's flow, and every continuation of every request on that connection then
/// runs under an execution context of its own, for nothing when the lines never show the scope: about 0.25 µs of CPU
/// per request (issue 25, docs/performance.md). This wrapper hides the console provider from the factory's scopes, so
/// no scope is stored; under the console provider's alias, so <c>Logging:Console:LogLevel</c> filters still apply.
/// </remarks>
[ProviderAlias("Console")]
internal sealed class ScopelessConsoleLoggerProvider(ConsoleLoggerProvider console) : ILoggerProvider
{
    /// <summary>
    /// Whether the configuration asks for scopes on console lines: the formatters'
    /// <c>Logging:Console:FormatterOptions:IncludeScopes</c>, or the console logger's older, obsolete
    /// <c>Logging:Console:IncludeScopes</c> (either keeps them). Read at start.
    /// </summary>
    public static bool ScopesShown(IConfiguration configuration) =>
        configuration.GetValue<bool>("Logging:Console:FormatterOptions:IncludeScopes")
        || configuration.GetValue<bool>("Logging:Console:IncludeScopes");

    /// <summary>Puts the console provider <c>AddConsole</c> registered behind this wrapper, unless scopes are shown.</summary>
    public static void Apply(IServiceCollection services, bool includeScopes)
    {
        if (includeScopes)
        {
            return;
        }

        var registered = services.FirstOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        if (registered is null)
        {
            return;
        }

        services.Remove(registered);
        services.TryAddSingleton<ConsoleLoggerProvider>();
        services.AddSingleton<ILoggerProvider>(provider => new ScopelessConsoleLoggerProvider(provider.GetRequiredService<ConsoleLoggerProvider>()));
    }

    public ILogger CreateLogger(string categoryName) => console.CreateLogger(categoryName);

    public void Dispose()
    {
        // The container owns the console provider and disposes it (flushing its queue) once.
    }
}
