using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Primitives;

namespace Portico.Security;

/// <summary>
/// Keeps the <c>Connection</c> header of an HTTP/1.1 request as the client sent it, for Kestrel hosts the gateway
/// configures (<c>portico serve</c>).
/// </summary>
/// <remarks>
/// Kestrel (checked on .NET 10) replaces the request's <c>Connection</c> header by the one option it recognises when
/// exactly one of <c>close</c>, <c>keep-alive</c> and <c>upgrade</c> is present, dropping every other option and
/// every other <c>Connection</c> line: <c>Connection: close, X-Secret</c> reads as <c>close</c>. A proxy must remove
/// each header a <c>Connection</c> option names (RFC 9110 §7.6.1), so it needs the original. Kestrel asks
/// <see cref="KestrelServerOptions.RequestHeaderEncodingSelector"/> how to decode each header value as it parses
/// it; for <c>Connection</c> the answer is an encoding that decodes exactly as Kestrel's default (strict UTF-8)
/// and also records the decoded line for the connection the request arrives on. The record is an
/// <see cref="AsyncLocal{T}"/> created by the first line worth recording, inside Kestrel's parsing of the request:
/// Kestrel parses an HTTP/1.1 request and then calls the application from one asynchronous method per connection, so
/// the record flows into the request it hands the gateway and into the connection's later requests, and
/// <see cref="Take"/> reads it once, at the start of each request. HTTP/1.1 requests on a connection are parsed one
/// after the other, each after the previous one was answered, so a request only ever sees its own lines. A line that
/// is exactly one of the options Kestrel recognises loses nothing when Kestrel keeps it and is not recorded, so the
/// usual <c>Connection: keep-alive</c> or <c>close</c> costs a connection nothing: a value set on the connection's flow
/// would make every continuation of every request on it switch execution contexts (issue 25). HTTP/2 and HTTP/3
/// forbid the header.
/// </remarks>
internal static class ConnectionHeaderCapture
{
    private static readonly AsyncLocal<Lines?> Current = new();
    private static readonly CapturingEncoding Encoding = new();

    /// <summary>Makes <paramref name="kestrel"/> keep every <c>Connection</c> line of each request for <see cref="Take"/>.</summary>
    public static void Configure(KestrelServerOptions kestrel)
    {
        var previous = kestrel.RequestHeaderEncodingSelector;
        kestrel.RequestHeaderEncodingSelector = name =>
            ReferenceEquals(name, Microsoft.Net.Http.Headers.HeaderNames.Connection) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                ? Encoding
                : previous?.Invoke(name);
    }

    /// <summary>
    /// The <c>Connection</c> lines of the current request exactly as they arrived, when Kestrel may have shortened them
    /// (empty when nothing was recorded: another host, or lines Kestrel kept as they were). Call once per request.
    /// </summary>
    public static StringValues Take() => Current.Value?.Take() ?? default;

    /// <summary>The lines recorded on one connection since the last <see cref="Take"/>.</summary>
    private sealed class Lines
    {
        private StringValues _lines;

        public void Add(string line) => _lines = StringValues.Concat(_lines, line);

        public StringValues Take()
        {
            var lines = _lines;
            _lines = default;
            return lines;
        }
    }

    /// <summary>Strict UTF-8, as Kestrel decodes header values by default, recording what it decodes.</summary>
    private sealed class CapturingEncoding : Encoding
    {
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public override int GetByteCount(char[] chars, int index, int count) => Strict.GetByteCount(chars, index, count);

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) =>
            Strict.GetBytes(chars, charIndex, charCount, bytes, byteIndex);

        public override int GetCharCount(byte[] bytes, int index, int count) => Strict.GetCharCount(bytes, index, count);

        // Every GetString overload ends here (Encoding's pointer and span forms copy into arrays and call it).
        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex)
        {
            var written = Strict.GetChars(bytes, byteIndex, byteCount, chars, charIndex);
            var line = chars.AsSpan(charIndex, written);
            if (!IsLoneOption(line))
            {
                (Current.Value ??= new Lines()).Add(new string(line));
            }

            return written;
        }

        /// <summary>A line that is nothing but <c>close</c>, <c>keep-alive</c> or <c>upgrade</c>, which Kestrel keeps as it came.</summary>
        private static bool IsLoneOption(ReadOnlySpan<char> line)
        {
            line = line.Trim(" \t");
            return line.Equals("close", StringComparison.OrdinalIgnoreCase)
                || line.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
                || line.Equals("upgrade", StringComparison.OrdinalIgnoreCase);
        }

        public override int GetMaxByteCount(int charCount) => Strict.GetMaxByteCount(charCount);

        public override int GetMaxCharCount(int byteCount) => Strict.GetMaxCharCount(byteCount);
    }
}
