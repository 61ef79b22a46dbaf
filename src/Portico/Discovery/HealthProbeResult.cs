namespace Portico.Discovery;

/// <summary>One probe's outcome: whether it passed, the status it got (0 when none) and why in one word (<c>passed</c>, <c>status</c>, <c>timeout</c>, <c>connection-failed</c>).</summary>
internal readonly record struct HealthProbeResult(bool Passed, int Status, string Outcome);
