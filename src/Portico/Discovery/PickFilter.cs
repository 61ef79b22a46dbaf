namespace Portico.Discovery;

/// <summary>
/// Which destinations a pick may choose: not tried already by this request, and (unless failing open) allowed by both
/// health checks, as Envoy does: not ejected by passive health and not unhealthy by active health.
/// </summary>
internal readonly struct PickFilter(long nowTicks, ulong tried, bool ignoreHealth)
{
    /// <summary>The same filter, also refusing the destination at <paramref name="index"/> (only the first 64 can be told apart).</summary>
    public PickFilter Without(int index) => index < 64 ? new PickFilter(nowTicks, tried | (1UL << index), ignoreHealth) : this;

    /// <summary>Whether the destination at <paramref name="index"/> may be chosen.</summary>
    public bool Allows(Destination destination, int index) =>
        (index >= 64 || (tried & (1UL << index)) == 0)
        && (ignoreHealth || ((destination.Health is not { } health || !health.IsEjected(nowTicks)) && (destination.Active is not { } active || active.Allows)));
}
