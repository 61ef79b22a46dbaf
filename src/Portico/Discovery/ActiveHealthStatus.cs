namespace Portico.Discovery;

/// <summary>What active health checks last concluded about a destination.</summary>
internal enum ActiveHealthStatus
{
    /// <summary>Not probed yet, or not long enough to judge: chosen as a healthy one is (as YARP's unknown).</summary>
    Unknown,

    /// <summary>Passed its last probe run.</summary>
    Healthy,

    /// <summary>Failed <c>unhealthyThreshold</c> probes in a row and has not yet passed <c>healthyThreshold</c> in a row: never chosen (unless failing open).</summary>
    Unhealthy,
}
