using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.AddressLimits;
using Portico.Hosting;

namespace Portico.Admin;

/// <summary>
/// Limits failed admin attempts per client address with a token bucket per address (<see cref="AddressBuckets"/>, the
/// same tables as the gateway's per-address limits). It is checked before any credential is read, so an address that
/// keeps guessing is refused for the price of a dictionary lookup. Only failures take from the bucket: an operator with
/// a valid credential is never slowed. IPv6 clients are keyed by their /64 (<see cref="AddressKey"/>).
/// </summary>
internal sealed partial class AdminAttemptLimiter
{
    private readonly AddressBuckets _buckets;
    private readonly AddressRate _rate;
    private int _overflowReported;

    public AdminAttemptLimiter(IOptions<PorticoOptions> options, TimeProvider time, ILogger<AdminAttemptLimiter> logger)
    {
        var settings = options.Value.Admin.FailedAttempts;
        _rate = new AddressRate("admin", Math.Max(1, settings.Period.Ticks / settings.Limit), settings.Limit);
        _buckets = new AddressBuckets(time, settings.MaxTrackedAddresses)
        {
            Overflowed = () =>
            {
                if (Interlocked.Exchange(ref _overflowReported, 1) == 0)
                {
                    LogOverflow(logger, settings.MaxTrackedAddresses);
                }
            },
        };
    }

    /// <summary>Whether <paramref name="address"/> has used up its failed attempts; if so, when the next one is allowed.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        var blocked = _buckets.IsEmpty(AddressKey.Of(address), _rate, out var ticks);
        retryAfter = TimeSpan.FromTicks(ticks);
        return blocked;
    }

    /// <summary>Takes one attempt from <paramref name="address"/>'s bucket.</summary>
    public void RecordFailure(IPAddress? address) => _buckets.Charge(AddressKey.Of(address), _rate);

    /// <summary>Addresses tracked now (for tests).</summary>
    internal int TrackedAddresses => _buckets.Count;

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning,
        Message = "More than {MaxTracked} client addresses have failed admin attempts pending: new addresses share one limit until some recover")]
    private static partial void LogOverflow(ILogger logger, int maxTracked);
}
