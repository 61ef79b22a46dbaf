using Microsoft.Azure.Functions.Worker;
using Portico.Discovery;

namespace Portico.Functions;

/// <summary>
/// The health timer: every 10 seconds, on one instance of the app (the Functions host holds a lock for each timer),
/// probes the destinations whose interval has elapsed and writes their health to Table storage, which every instance
/// reads (docs/discovery.md). Does nothing unless the shared mode is on.
/// </summary>
public sealed class HealthProbeFunction(SharedHealthProbe probe)
{
    /// <summary>The function name; it sorts before the catch-all's.</summary>
    public const string Name = "HealthProbe";

    /// <summary>One run.</summary>
    [Function(Name)]
    public Task RunAsync([TimerTrigger(SharedHealthProbe.Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        probe.RunAsync(cancellationToken);
}
