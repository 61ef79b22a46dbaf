using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Portico.Observability;

/// <summary>
/// Formats an access-log entry as one JSON line, straight into UTF-8 bytes: no <c>Utf8JsonWriter</c>, no string and no
/// allocation per line. Used by the stdout writer's thread only (not thread-safe: it keeps a scratch buffer and the
/// last encoded route, backend, consumer and method).
/// </summary>
/// <remarks>
/// Issue 25: the access log's writer thread spent about 1 µs per line in <c>Utf8JsonWriter</c> (a reset and a flush
/// per line, a transcoding and an escaping check per property, shortest round-trip formatting of two doubles and
/// the trimmed ISO 8601 form of the time). The output is the same JSON: the same fields in the same order, string
/// values escaped by the encoder <c>System.Text.Json</c> uses by default (<see cref="JavaScriptEncoder.Default"/>),
/// the time in its trimmed round-trip form, and durations rounded to the microsecond as before.
/// </remarks>
internal sealed class AccessLogLineFormatter
{
    // The longest textual IPv6 address with a scope id is 65 characters.
    private const int MaxClientLength = 80;
    // "yyyy-MM-ddTHH:mm:ss.fffffff+hh:mm"
    private const int RoundTripTimeLength = 33;

    private static readonly byte[][] Outcomes = [.. Enum.GetValues<RequestOutcome>().Select(o => Quoted(o.Name()))];

    private readonly EncodedString _method = new();
    private readonly EncodedString _route = new();
    private readonly EncodedString _backend = new();
    private readonly EncodedString _consumer = new();
    private byte[] _scratch = new byte[256];

    /// <summary>Appends <paramref name="entry"/> as one JSON object and a line feed.</summary>
    public void Format(IBufferWriter<byte> output, in AccessLogEntry entry)
    {
        Literal(output, "{\"time\":"u8);
        Time(output, entry.Time);
        if (entry.Method is not null)
        {
            Literal(output, ",\"method\":"u8);
            Memoized(output, _method, entry.Method);
        }

        OptionalString(output, ",\"path\":"u8, entry.Path);
        Literal(output, ",\"status\":"u8);
        Integer(output, entry.Status);
        if (entry.RouteId is not null)
        {
            Literal(output, ",\"route\":"u8);
            Memoized(output, _route, entry.RouteId);
        }

        if (entry.BackendId is not null)
        {
            Literal(output, ",\"backend\":"u8);
            Memoized(output, _backend, entry.BackendId);
        }

        if (entry.ConsumerId is not null)
        {
            Literal(output, ",\"consumer\":"u8);
            Memoized(output, _consumer, entry.ConsumerId);
        }

        if (entry.Client is not null)
        {
            // Digits, hex digits, '.', ':' and '%' with a numeric scope id: nothing JSON needs escaped.
            Span<byte> client = stackalloc byte[MaxClientLength];
            if (entry.Client.TryFormat(client, out var written))
            {
                Literal(output, ",\"client\":\""u8);
                var span = output.GetSpan(written + 1);
                client[..written].CopyTo(span);
                span[written] = (byte)'"';
                output.Advance(written + 1);
            }
        }

        Literal(output, ",\"durationMs\":"u8);
        Milliseconds(output, entry.DurationMs);
        if (entry.UpstreamMs is { } upstream)
        {
            Literal(output, ",\"upstreamMs\":"u8);
            Milliseconds(output, upstream);
        }

        Literal(output, ",\"bytesIn\":"u8);
        Integer(output, entry.BytesIn);
        Literal(output, ",\"bytesOut\":"u8);
        Integer(output, entry.BytesOut);
        if (entry.Refused is null)
        {
            Literal(output, ",\"outcome\":"u8);
            Literal(output, Outcomes[(int)entry.Outcome]);
        }

        if (!entry.TraceId.IsEmpty)
        {
            Literal(output, ",\"traceId\":\""u8);
            var span = output.GetSpan(RequestTraceId.Length + 1);
            entry.TraceId.FormatUtf8(span);
            span[RequestTraceId.Length] = (byte)'"';
            output.Advance(RequestTraceId.Length + 1);
        }

        OptionalString(output, ",\"refused\":"u8, entry.Refused);
        OptionalString(output, ",\"cache\":"u8, entry.Cache);
        Literal(output, "}\n"u8);
    }

    private void OptionalString(IBufferWriter<byte> output, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            Literal(output, name);
            String(output, value);
        }
    }

    /// <summary>A value that is usually the same string instance as on the line before (a route's id): encoded once.</summary>
    private void Memoized(IBufferWriter<byte> output, EncodedString memo, string value)
    {
        if (!ReferenceEquals(memo.Value, value))
        {
            memo.Json.ResetWrittenCount();
            String(memo.Json, value);
            memo.Value = value;
        }

        Literal(output, memo.Json.WrittenSpan);
    }

    /// <summary>A JSON string: UTF-8 (an unpaired surrogate becomes U+FFFD), escaped as System.Text.Json does by default.</summary>
    private void String(IBufferWriter<byte> output, string value)
    {
        var maxBytes = value.Length * 3;
        if (_scratch.Length < maxBytes)
        {
            _scratch = new byte[Math.Max(maxBytes, _scratch.Length * 2)];
        }

        Utf8.FromUtf16(value, _scratch, out _, out var length, replaceInvalidSequences: true);
        var utf8 = _scratch.AsSpan(0, length);
        var escapeAt = JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8(utf8);
        if (escapeAt < 0)
        {
            var span = output.GetSpan(length + 2);
            span[0] = (byte)'"';
            utf8.CopyTo(span[1..]);
            span[length + 1] = (byte)'"';
            output.Advance(length + 2);
            return;
        }

        // Rare (a path with a quote, '+', '&', a non-ASCII character ...): an escape is at most 12 bytes for 4 of UTF-8.
        var escaped = output.GetSpan(escapeAt + (length - escapeAt) * 6 + 2);
        escaped[0] = (byte)'"';
        JavaScriptEncoder.Default.EncodeUtf8(utf8, escaped[1..], out _, out var written);
        escaped[written + 1] = (byte)'"';
        output.Advance(written + 2);
    }

    private static void Literal(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    private static void Integer(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    /// <summary>
    /// Milliseconds rounded to three decimals, trailing zeros dropped: what rounding with <see cref="Math.Round(double, int)"/>
    /// and writing the double's shortest form gave, without formatting a double.
    /// </summary>
    private static void Milliseconds(IBufferWriter<byte> output, double milliseconds)
    {
        var micros = (long)Math.Round(milliseconds * 1000);
        var span = output.GetSpan(24);
        var at = 0;
        if (micros < 0)
        {
            span[at++] = (byte)'-';
            micros = -micros;
        }

        Utf8Formatter.TryFormat(micros / 1000, span[at..], out var written);
        at += written;
        var fraction = (int)(micros % 1000);
        if (fraction != 0)
        {
            span[at++] = (byte)'.';
            span[at++] = (byte)('0' + fraction / 100);
            fraction %= 100;
            if (fraction != 0)
            {
                span[at++] = (byte)('0' + fraction / 10);
                fraction %= 10;
                if (fraction != 0)
                {
                    span[at++] = (byte)('0' + fraction);
                }
            }
        }

        output.Advance(at);
    }

    /// <summary>The round-trip ("O") form with the fraction's trailing zeros dropped, as System.Text.Json writes a <see cref="DateTimeOffset"/>.</summary>
    private static void Time(IBufferWriter<byte> output, DateTimeOffset time)
    {
        var span = output.GetSpan(RoundTripTimeLength + 2);
        span[0] = (byte)'"';
        Utf8Formatter.TryFormat(time, span[1..], out var written, new StandardFormat('O'));
        // "yyyy-MM-ddTHH:mm:ss" is 19 bytes, then '.' and seven digits, then the offset.
        const int Dot = 1 + 19;
        var end = Dot + 8;
        var kept = end;
        while (kept > Dot + 1 && span[kept - 1] == '0')
        {
            kept--;
        }

        if (kept == Dot + 1)
        {
            kept = Dot; // no fraction at all
        }

        var offsetLength = written + 1 - end;
        span.Slice(end, offsetLength).CopyTo(span[kept..]);
        span[kept + offsetLength] = (byte)'"';
        output.Advance(kept + offsetLength + 1);
    }

    private static byte[] Quoted(string value) => [(byte)'"', .. System.Text.Encoding.UTF8.GetBytes(value), (byte)'"'];

    /// <summary>A string and its JSON form (the buffer is reused when the string changes).</summary>
    private sealed class EncodedString
    {
        public string? Value { get; set; }

        public ArrayBufferWriter<byte> Json { get; } = new(64);
    }
}
