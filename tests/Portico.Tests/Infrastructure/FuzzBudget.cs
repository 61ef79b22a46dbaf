namespace Portico.Tests.Infrastructure;

/// <summary>
/// How long each fuzzing property runs. By default a fixed number of generated cases, small enough that the whole test
/// run stays within minutes; <c>PORTICO_FUZZ_SECONDS=N</c> runs each property for N seconds instead, for a longer
/// search (tests/README.md). A failure prints CsCheck's seed, which replays the failing case.
/// </summary>
public static class FuzzBudget
{
    /// <summary>Seconds per property from <c>PORTICO_FUZZ_SECONDS</c>, or -1 for the fixed count.</summary>
    public static int Seconds { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PORTICO_FUZZ_SECONDS"), out var seconds) && seconds > 0 ? seconds : -1;

    /// <summary>The number of cases: <paramref name="ci"/>, unless a time budget is set.</summary>
    public static long Iterations(long ci) => Seconds > 0 ? -1 : ci;
}
