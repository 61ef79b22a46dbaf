namespace Portico.AddressLimits;

/// <summary>
/// The limit on rejected credentials per client address (<c>Portico:AddressLimits:FailedAuthentication:*</c>): a token
/// bucket of <see cref="Limit"/> failures refilled over <see cref="Period"/>. An address over it gets 429
/// <c>authentication-throttled</c> on every authenticated route before its credential is read, so credential stuffing
/// and floods of forged tokens cost no lookup and no signature check. A caller with a valid credential never spends from it.
/// </summary>
public sealed class FailedAuthenticationOptions
{
    /// <summary>Rejected credentials an address may present in a burst; 0 turns the limit off. Default 100.</summary>
    public int Limit { get; set; } = 100;

    /// <summary>The time over which <see cref="Limit"/> attempts come back (one every <c>Period / Limit</c>). Default 1 minute.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(1);
}
