using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a plain socket, for requests <see cref="HttpClient"/> refuses to send: non-ASCII or control bytes in
/// header values, repeated <c>Connection</c> lines, odd request targets, conflicting framing headers, bodies cut off
/// half-way. The request bytes go out exactly as given.
/// </summary>
public static class RawHttp
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends <paramref name="head"/> (request line and header lines, without the blank line; lines joined with CRLF
    /// and <c>Host</c> added when absent) and <paramref name="body"/>, and reads one response.
    /// </summary>
    public static Task<RawResponse> SendAsync(string baseUrl, string head, byte[]? body = null, TimeSpan? timeout = null)
    {
        var authority = new Uri(baseUrl).Authority;
        var text = head.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal);
        if (!text.Contains("\r\nHost:", StringComparison.OrdinalIgnoreCase))
        {
            text = text.Insert(text.IndexOf("\r\n", StringComparison.Ordinal) is var end && end < 0 ? text.Length : end, "\r\nHost: " + authority);
        }

        var bytes = Encoding.UTF8.GetBytes(text + "\r\n\r\n");
        return SendBytesAsync(baseUrl, body is null ? bytes : [.. bytes, .. body], timeout);
    }

    /// <summary>Sends <paramref name="request"/> as is and reads one response.</summary>
    public static async Task<RawResponse> SendBytesAsync(string baseUrl, byte[] request, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        using var client = await ConnectAsync(baseUrl, cancel.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, cancel.Token);
        return await ReadResponseAsync(stream, cancel.Token);
    }

    /// <summary>Sends <paramref name="request"/> and closes the connection at once, without reading anything.</summary>
    public static async Task SendAndCloseAsync(string baseUrl, byte[] request)
    {
        using var cancel = new CancellationTokenSource(DefaultTimeout);
        using var client = await ConnectAsync(baseUrl, cancel.Token);
        await client.GetStream().WriteAsync(request, cancel.Token);
        client.Client.Shutdown(SocketShutdown.Both);
    }

    /// <summary>A connected socket to the host of <paramref name="baseUrl"/>.</summary>
    public static async Task<TcpClient> ConnectAsync(string baseUrl, CancellationToken cancellationToken)
    {
        var uri = new Uri(baseUrl);
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(uri.Host, uri.Port, cancellationToken);
        return client;
    }

    /// <summary>Reads one response: status line, headers, and a body framed by Content-Length, chunks, or the connection's end.</summary>
    public static async Task<RawResponse> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var reader = new Reader(stream);
        var statusLine = await reader.ReadLineAsync(cancellationToken) ?? throw new IOException("The connection closed before a response.");
        var parts = statusLine.Split(' ', 3);
        var status = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var headers = new List<KeyValuePair<string, string>>();
        while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var response = new RawResponse(status, headers, []);
        byte[] body;
        if (response.Header("Content-Length") is { } length)
        {
            body = await reader.ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture), cancellationToken);
        }
        else if (string.Equals(response.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
        {
            var all = new List<byte>();
            while (true)
            {
                var size = int.Parse((await reader.ReadLineAsync(cancellationToken))!.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 })
                    {
                        // trailers
                    }

                    break;
                }

                all.AddRange(await reader.ReadExactlyAsync(size, cancellationToken));
                await reader.ReadLineAsync(cancellationToken);
            }

            body = [.. all];
        }
        else if (status is 204 or 304 || (status >= 100 && status < 200))
        {
            body = [];
        }
        else
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }

        return response with { Body = body };
    }

    /// <summary>A buffered reader of lines and bytes over the socket.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    return line.Count == 0 ? null : Encoding.UTF8.GetString([.. line]);
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    if (line.Count > 0 && line[^1] == '\r')
                    {
                        line.RemoveAt(line.Count - 1);
                    }

                    return Encoding.UTF8.GetString([.. line]);
                }

                line.Add(b);
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    throw new IOException($"The connection closed after {filled} of {count} body bytes.");
                }

                var n = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, n);
                _start += n;
                filled += n;
            }

            return result;
        }

        public async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
        {
            var all = new List<byte>();
            do
            {
                all.AddRange(_buffer.AsSpan(_start, _end - _start).ToArray());
                _start = _end;
            }
            while (await FillAsync(cancellationToken));

            return [.. all];
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            try
            {
                _end = await stream.ReadAsync(_buffer, cancellationToken);
            }
            catch (IOException)
            {
                _end = 0; // a reset after the response counts as its end
            }

            return _end > 0;
        }
    }
}
