namespace Portico.Observability;

/// <summary>Names of <see cref="RequestOutcome"/>s.</summary>
internal static class RequestOutcomes
{
    private static readonly string[] Names = ["completed", "upstream-aborted", "client-aborted"];

    /// <summary>The access log's <c>outcome</c> value and, for any but <see cref="RequestOutcome.Completed"/>, the <c>error.type</c> tag.</summary>
    public static string Name(this RequestOutcome outcome) => Names[(int)outcome];
}
