namespace Portico.AddressLimits;

/// <summary>A gateway-wide rate per client address (<c>Portico:AddressLimits:Rate:*</c>): a token bucket like a route's <c>addressRateLimit</c>.</summary>
public sealed class AddressRateOptions
{
    /// <summary>Requests allowed per <see cref="Per"/> in the long run; 0 (the default) turns the gateway-wide rate off.</summary>
    public int Requests { get; set; }

    /// <summary>The period of <see cref="Requests"/>. Default 1 second.</summary>
    public TimeSpan Per { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests that may arrive at once after a quiet period. Default <see cref="Requests"/>.</summary>
    public int? Burst { get; set; }
}
