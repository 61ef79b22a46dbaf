using System.Net;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.AddressLimits;

/// <summary>
/// Remembers rejected credentials per client address (<see cref="FailedAuthenticationOptions"/>): authentication
/// charges it when a presented credential is invalid, and <see cref="AddressLimitStage"/> refuses an address whose
/// bucket is empty before the route's policy runs. Only failures spend from it.
/// </summary>
internal sealed class FailedAuthenticationLimit
{
    private readonly AddressBuckets? _buckets;

    public FailedAuthenticationLimit(IOptions<PorticoOptions> options, TimeProvider time, AddressLimitMetrics metrics)
    {
        var settings = options.Value.AddressLimits;
        var failures = settings.FailedAuthentication;
        if (failures.Limit > 0)
        {
            Rate = new AddressRate("failed-authentication", Math.Max(1, failures.Period.Ticks / failures.Limit), failures.Limit);
            var (evicted, overflowed) = metrics.For("failed-authentication");
            _buckets = new AddressBuckets(time, settings.MaxTrackedAddresses) { Evicted = evicted, Overflowed = overflowed };
        }
    }

    /// <summary>The limit as a rate; null when it is off.</summary>
    public AddressRate? Rate { get; }

    /// <summary>Whether <paramref name="key"/> has no failed attempts left; if so, when the next is allowed.</summary>
    public bool IsBlocked(UInt128 key, out long retryAfterTicks)
    {
        retryAfterTicks = 0;
        return _buckets is not null && _buckets.IsEmpty(key, Rate!, out retryAfterTicks);
    }

    /// <summary>Records that <paramref name="address"/> presented a credential that was rejected.</summary>
    public void RecordFailure(IPAddress? address) => _buckets?.Charge(AddressKey.Of(address), Rate!);
}
