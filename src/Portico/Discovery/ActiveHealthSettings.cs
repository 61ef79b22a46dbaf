using Portico.Resilience.Retries;

namespace Portico.Discovery;

/// <summary>Compiled active health checks of one backend (see <see cref="Configuration.ActiveHealthDefinition"/> for each field).</summary>
internal sealed record ActiveHealthSettings
{
    /// <summary>The path and query probed, starting with <c>/</c>.</summary>
    public required string Path { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    public int HealthyThreshold { get; init; } = 2;

    public int UnhealthyThreshold { get; init; } = 3;

    /// <summary>Statuses that pass; null for any 2xx.</summary>
    public StatusCodeSet? ExpectedStatuses { get; init; }

    /// <summary>HTTP/2 for a <c>grpc</c> backend (cleartext h2c on an http URL), else HTTP/1.1 or what TLS negotiates.</summary>
    public bool Http2Only { get; init; }

    /// <summary>Whether a probe answered <paramref name="status"/> passed.</summary>
    public bool Passes(int status) => ExpectedStatuses?.Contains(status) ?? status is >= 200 and < 300;
}
