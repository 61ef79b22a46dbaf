using Portico.Configuration;
using Portico.Resilience;

namespace Portico.Discovery;

/// <summary>Validates a backend's <c>health.active</c>, naming the field in every error, and compiles its settings.</summary>
internal static class ActiveHealthCompiler
{
    /// <summary>The shortest interval: a probe per destination per second is already far more than health needs.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest path and query probed.</summary>
    public const int MaxPathLength = 2048;

    /// <summary>The settings, or null when <paramref name="definition"/> is absent or turned off (errors go to <paramref name="error"/> as field and message).</summary>
    public static ActiveHealthSettings? Compile(ActiveHealthDefinition? definition, bool grpc, Action<string, string> error)
    {
        if (definition is null || definition.Enabled == false)
        {
            return null;
        }

        var path = definition.Path ?? "";
        if (path.Length == 0)
        {
            error("path", "name the path to probe on each destination, such as '/healthz'");
        }
        else if (path[0] != '/' || path.Length > MaxPathLength || path.Contains('#') || path.Any(c => c <= ' ' || c >= 0x7F))
        {
            error("path", $"must start with '/' and be at most {MaxPathLength} printable ASCII characters without spaces or '#'");
        }

        var interval = ResilienceCompiler.Duration("interval", definition.Interval, TimeSpan.FromSeconds(10), MinInterval, MaxInterval, error);
        var timeout = ResilienceCompiler.Duration("timeout", definition.Timeout, TimeSpan.FromSeconds(2), MinTimeout, MaxInterval, error);
        if (timeout > interval)
        {
            error("timeout", "must not be longer than 'interval': one probe per destination at a time");
        }

        if (definition.HealthyThreshold is < 1 or > 100)
        {
            error("healthyThreshold", "must be between 1 and 100");
        }

        if (definition.UnhealthyThreshold is < 1 or > 100)
        {
            error("unhealthyThreshold", "must be between 1 and 100");
        }

        if (definition.ExpectedStatuses is { Count: 0 })
        {
            error("expectedStatuses", "list at least one status, or leave it out for any 2xx");
        }

        return new ActiveHealthSettings
        {
            Path = path,
            Interval = interval,
            Timeout = timeout,
            HealthyThreshold = definition.HealthyThreshold ?? 2,
            UnhealthyThreshold = definition.UnhealthyThreshold ?? 3,
            ExpectedStatuses = definition.ExpectedStatuses is { } codes ? ResilienceCompiler.StatusCodes("expectedStatuses", codes, [], 100, error) : null,
            Http2Only = grpc,
        };
    }
}
