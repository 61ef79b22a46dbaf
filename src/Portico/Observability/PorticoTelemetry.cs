using System.Diagnostics;

namespace Portico.Observability;

/// <summary>
/// Names of Portico's telemetry sources. Add <see cref="Name"/> to OpenTelemetry's tracer and meter providers
/// (<c>AddSource("Portico")</c>, <c>AddMeter("Portico")</c>) to export them.
/// </summary>
public static class PorticoTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and of the meter.</summary>
    public const string Name = "Portico";

    /// <summary>Spans for each gateway request (and later each upstream part).</summary>
    public static readonly ActivitySource ActivitySource = new(Name, typeof(PorticoTelemetry).Assembly.GetName().Version?.ToString());
}
