namespace Portico.Aggregation;

/// <summary>Names and classes of <see cref="PartOutcome"/>s.</summary>
internal static class PartOutcomes
{
    private static readonly string[] Names =
        ["pending", "ok", "http-error", "unreachable", "timeout", "deadline", "too-large", "invalid", "missing-value", "dependency-failed", "cancelled", "refused"];

    /// <summary>The metric tag and log word.</summary>
    public static string Name(this PartOutcome outcome) => Names[(int)outcome];

    /// <summary>Whether a required part ending this way makes the answer 504 rather than 502.</summary>
    public static bool IsTimeout(this PartOutcome outcome) => outcome is PartOutcome.Timeout or PartOutcome.Deadline;
}
