namespace Portico.Admin;

/// <summary>
/// The limit on failed admin attempts per client address (<c>Portico:Admin:FailedAttempts:*</c>): a token bucket of
/// <see cref="Limit"/> failures refilled over <see cref="Period"/>. An address over it is refused with 429 before any
/// credential is read, so guessing costs the gateway nothing.
/// </summary>
public sealed class AdminFailedAttemptsOptions
{
    /// <summary>Failed attempts an address may make in a burst. Default 10.</summary>
    public int Limit { get; set; } = 10;

    /// <summary>The time over which <see cref="Limit"/> attempts come back (one every <c>Period / Limit</c>). Default 1 minute.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most addresses tracked at once; beyond it new addresses share one bucket. Default 10,000.</summary>
    public int MaxTrackedAddresses { get; set; } = 10_000;
}
