namespace Portico.Discovery;

/// <summary>
/// A destination's active health as shown in the admin view and shared through Table storage: its status, the probe
/// runs in a row, and the last probe (when, the status it got, its outcome).
/// </summary>
internal sealed record ActiveHealthReport(
    ActiveHealthStatus Status,
    int ConsecutivePasses,
    int ConsecutiveFailures,
    DateTimeOffset? LastProbe,
    int LastStatus,
    string? LastOutcome);
