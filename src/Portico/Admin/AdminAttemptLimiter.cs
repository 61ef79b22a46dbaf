using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.Admin;

/// <summary>
/// Limits failed admin attempts per client address with a token bucket (GCRA: one "theoretical arrival time" per
/// address). It is checked before any credential is read, so an address that keeps guessing is refused for the price
/// of a dictionary lookup. Only failures take from the bucket: an operator with a valid credential is never slowed.
/// </summary>
/// <remarks>
/// Hand-written rather than <c>System.Threading.RateLimiting</c>: its buckets read the system clock, not
/// <see cref="TimeProvider"/>, and keep timers per partition; this needs one <c>long</c> per address. IPv6 clients are
/// keyed by their /64, the block one subscriber usually holds, so rotating addresses inside it gains nothing.
/// </remarks>
internal sealed partial class AdminAttemptLimiter
{
    private static readonly UInt128 UnknownAddress = UInt128.MaxValue;
    private static readonly UInt128 Overflow = UInt128.MaxValue - 1;

    private readonly ConcurrentDictionary<UInt128, StrongBox<long>> _arrivals = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _interval;
    private readonly long _tolerance;
    private readonly int _maxTracked;
    private int _overflowReported;

    public AdminAttemptLimiter(IOptions<PorticoOptions> options, TimeProvider time, ILogger<AdminAttemptLimiter> logger)
    {
        var settings = options.Value.Admin.FailedAttempts;
        _time = time;
        _logger = logger;
        _interval = Math.Max(1, (long)(settings.Period.TotalSeconds / settings.Limit * time.TimestampFrequency));
        _tolerance = _interval * (settings.Limit - 1);
        _maxTracked = settings.MaxTrackedAddresses;
    }

    /// <summary>Whether <paramref name="address"/> has used up its failed attempts; if so, when the next one is allowed.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_arrivals.TryGetValue(KeyOf(address), out var arrival) && !_arrivals.TryGetValue(Overflow, out arrival))
        {
            return false;
        }

        var wait = Volatile.Read(ref arrival.Value) - _time.GetTimestamp() - _tolerance;
        if (wait <= 0)
        {
            return false;
        }

        retryAfter = TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency);
        return true;
    }

    /// <summary>Takes one attempt from <paramref name="address"/>'s bucket.</summary>
    public void RecordFailure(IPAddress? address)
    {
        var key = KeyOf(address);
        if (!_arrivals.TryGetValue(key, out var arrival))
        {
            if (_arrivals.Count >= _maxTracked && !MakeRoom())
            {
                key = Overflow;
            }

            arrival = _arrivals.GetOrAdd(key, static _ => new StrongBox<long>(long.MinValue));
        }

        var now = _time.GetTimestamp();
        long seen, next;
        do
        {
            seen = Volatile.Read(ref arrival.Value);
            next = Math.Max(seen, now) + _interval;
        }
        while (Interlocked.CompareExchange(ref arrival.Value, next, seen) != seen);
    }

    /// <summary>Addresses tracked now (for tests).</summary>
    internal int TrackedAddresses => _arrivals.Count;

    /// <summary>Forgets addresses whose bucket is full again (they carry no information); false when none was.</summary>
    private bool MakeRoom()
    {
        var now = _time.GetTimestamp();
        var freed = false;
        foreach (var (key, arrival) in _arrivals)
        {
            if (key != Overflow && Volatile.Read(ref arrival.Value) <= now)
            {
                freed |= _arrivals.TryRemove(key, out _);
            }
        }

        if (!freed && Interlocked.Exchange(ref _overflowReported, 1) == 0)
        {
            LogOverflow(_logger, _maxTracked);
        }

        return freed;
    }

    private static UInt128 KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return UnknownAddress;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return address.AddressFamily == AddressFamily.InterNetwork
            ? ((UInt128)0xFFFF << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : (UInt128)BinaryPrimitives.ReadUInt64BigEndian(bytes) << 64;
    }

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning,
        Message = "More than {MaxTracked} client addresses have failed admin attempts pending: new addresses share one limit until some recover")]
    private static partial void LogOverflow(ILogger logger, int maxTracked);
}
