using System.Text;
using Microsoft.AspNetCore.Connections;
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
/// and also records the decoded line for the connection the request arrives on. A connection middleware gives each
/// connection its record through an <see cref="AsyncLocal{T}"/>, which flows into Kestrel's parsing and into the
/// request it hands the gateway; <see cref="Take"/> reads it once, at the start of the request. HTTP/1.1 requests
/// on a connection are parsed one after the other, each after the previous one was answered, so a request only ever
/// sees its own lines. HTTP/2 and HTTP/3 forbid the header. Costs nothing for requests without it.
/// </remarks>
internal static class ConnectionHeaderCapture
{
    private static readonly AsyncLocal<Lines?> Current = new();
    private static readonly CapturingEncoding Encoding = new();

    /// <summary>
    /// Makes <paramref name="kestrel"/> keep every <c>Connection</c> line of each request for <see cref="Take"/>. Kestrel keeps
    /// one set of endpoint defaults, so other connection middleware joins through <paramref name="alsoOnEachEndpoint"/>.
    /// </summary>
    public static void Configure(KestrelServerOptions kestrel, Action<ListenOptions>? alsoOnEachEndpoint = null)
    {
        var previous = kestrel.RequestHeaderEncodingSelector;
        kestrel.RequestHeaderEncodingSelector = name =>
            ReferenceEquals(name, Microsoft.Net.Http.Headers.HeaderNames.Connection) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                ? Encoding
                : previous?.Invoke(name);
        kestrel.ConfigureEndpointDefaults(listen =>
        {
            alsoOnEachEndpoint?.Invoke(listen);
            listen.Use(next => connection => TrackAsync(next, connection));
        });
    }

    /// <summary>
    /// The <c>Connection</c> lines of the current request exactly as they arrived, when Kestrel may have shortened them
    /// (empty when nothing was recorded: another host, or lines Kestrel kept as they were). Call once per request.
    /// </summary>
    public static StringValues Take() => Current.Value?.Take() ?? default;

    private static async Task TrackAsync(ConnectionDelegate next, ConnectionContext connection)
    {
        Current.Value = new Lines();
        await next(connection).ConfigureAwait(false);
    }

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
            Current.Value?.Add(new string(chars, charIndex, written));
            return written;
        }

        public override int GetMaxByteCount(int charCount) => Strict.GetMaxByteCount(charCount);

        public override int GetMaxCharCount(int byteCount) => Strict.GetMaxCharCount(byteCount);
    }
}
