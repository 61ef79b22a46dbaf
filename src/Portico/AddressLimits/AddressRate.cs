namespace Portico.AddressLimits;

/// <summary>
/// A compiled per-address rate: a token bucket of <see cref="Burst"/> requests refilled one every
/// <see cref="IntervalTicks"/> (<see cref="TimeSpan"/> ticks), counted as GCRA (one "theoretical arrival time" per
/// address, RFC-free but the classic ATM cell-rate algorithm).
/// </summary>
/// <param name="Id">The name the <c>RateLimit</c> headers and the problem give the limit (<c>address</c> or <c>address/route</c>).</param>
/// <param name="IntervalTicks">Time between two tokens.</param>
/// <param name="Burst">Requests that may arrive at once after a quiet period.</param>
internal sealed record AddressRate(string Id, long IntervalTicks, long Burst)
{
    /// <summary>How far ahead of now an address's arrival time may run before it is refused: <c>(burst - 1) × interval</c>.</summary>
    public long ToleranceTicks { get; } = IntervalTicks * (Burst - 1);

    /// <summary>The prepared <c>RateLimit-Policy</c> item (draft-ietf-httpapi-ratelimit-headers): q = burst, w = seconds to refill it.</summary>
    public string PolicyItem { get; } = $"\"{Id}\";q={Burst};w={Math.Max(1, (IntervalTicks * Burst + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond)}";
}
