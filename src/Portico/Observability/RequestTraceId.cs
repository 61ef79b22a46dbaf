using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Pipeline;

namespace Portico.Observability;

/// <summary>
/// The W3C trace id (W3C Trace Context §3.2.2.3) that correlates a request's problem answer, its access-log line and,
/// when tracing is on, its spans. It is the current activity's trace id when there is one (OpenTelemetry or the host
/// traces the request); otherwise the caller's <c>traceparent</c> trace id; otherwise a random one made for the request.
/// </summary>
/// <remarks>
/// Two numbers instead of <see cref="ActivityTraceId"/>, which holds a string: making one on every request without
/// tracing allocates nothing, and the hex form is written only where it is read (issue 22).
/// </remarks>
internal readonly record struct RequestTraceId(ulong High, ulong Low)
{
    /// <summary>The length of the hex form.</summary>
    public const int Length = 32;

    /// <summary>True for the all-zero value, which W3C Trace Context forbids and which here means "not resolved yet".</summary>
    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>The trace id of <paramref name="context"/>'s request (see the type's summary).</summary>
    public static RequestTraceId Of(HttpContext context) =>
        context.Features.Get<GatewayContext>() is { } gateway ? gateway.TraceId : Resolve(context.Request);

    /// <summary>Resolves the trace id for a request: the current activity's, the caller's, or a new one.</summary>
    public static RequestTraceId Resolve(HttpRequest request)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            Span<byte> bytes = stackalloc byte[16];
            activity.TraceId.CopyTo(bytes);
            return new RequestTraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        }

        return TryParseTraceParent(request.Headers[HeaderNames.TraceParent].ToString(), out var caller) ? caller : NewRandom();
    }

    /// <summary>A random, non-zero trace id.</summary>
    public static RequestTraceId NewRandom()
    {
        // Not a secret, only unique: the shared pseudo-random generator is fast and thread-safe.
        var id = new RequestTraceId((ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue), (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        return id.IsEmpty ? new RequestTraceId(0, 1) : id;
    }

    /// <summary>Reads the trace id of a W3C <c>traceparent</c> header (<c>00-{32 hex}-{16 hex}-{2 hex}</c>); false when it is not one.</summary>
    public static bool TryParseTraceParent(ReadOnlySpan<char> header, out RequestTraceId id)
    {
        id = default;
        // Version 00 is exactly 55 characters; later versions may append fields after the flags (§3.2.4).
        if (header.Length < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-' || (header.Length > 55 && header[55] != '-')
            || header[..2] is "ff" || !IsLowerHex(header[..2]) || !IsLowerHex(header[3..35]) || !IsLowerHex(header[36..52]) || !IsLowerHex(header[53..55])
            || (header[..2] is "00" && header.Length != 55))
        {
            return false;
        }

        var parsed = new RequestTraceId(
            ulong.Parse(header[3..19], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
            ulong.Parse(header[19..35], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        if (parsed.IsEmpty || !header[36..52].ContainsAnyExcept('0'))
        {
            return false; // an all-zero trace id or parent id is invalid (§3.2.2.3, §3.2.2.4)
        }

        id = parsed;
        return true;
    }

    /// <summary>Writes the 32 lowercase hex digits into <paramref name="destination"/>, which holds at least <see cref="Length"/> characters.</summary>
    public void Format(Span<char> destination) => Convert.TryToHexStringLower(Bytes(stackalloc byte[16]), destination, out _);

    /// <summary>Writes the 32 lowercase hex digits as UTF-8 into <paramref name="destination"/>, which holds at least <see cref="Length"/> bytes.</summary>
    public void FormatUtf8(Span<byte> destination) => Convert.TryToHexStringLower(Bytes(stackalloc byte[16]), destination, out _);

    /// <inheritdoc />
    public override string ToString() => string.Create(Length, this, static (span, id) => id.Format(span));

    /// <summary>
    /// The 16 bytes of the id, for the runtime's hex encoder: <c>ulong.TryFormat</c> with "x16" takes the number
    /// formatter's general path, measurable on the access log's writer thread (issue 25).
    /// </summary>
    private ReadOnlySpan<byte> Bytes(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return bytes;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789abcdef");
}
