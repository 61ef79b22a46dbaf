using System.Text;

namespace Portico.Discovery.Sources;

/// <summary>Reads newline-separated UTF-8 messages from a stream, refusing one longer than a bound (a peer must not make the gateway buffer without limit).</summary>
internal sealed class BoundedLineReader(Stream stream, int maxLineBytes)
{
    private readonly byte[] _buffer = new byte[8192];
    private readonly MemoryStream _line = new();
    private int _start;
    private int _end;

    /// <summary>The next line without its end, or null at the end of the stream (a last line without a newline included).</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                Append(_start, newline - _start);
                _start = newline + 1;
                return Take();
            }

            Append(_start, _end - _start);
            _start = _end = 0;
            var read = await stream.ReadAsync(_buffer, cancellationToken);
            if (read == 0)
            {
                return _line.Length > 0 ? Take() : null;
            }

            _end = read;
        }
    }

    private void Append(int offset, int count)
    {
        if (_line.Length + count > maxLineBytes)
        {
            throw new InvalidOperationException($"a message is over {maxLineBytes} bytes");
        }

        _line.Write(_buffer, offset, count);
    }

    private string Take()
    {
        var text = Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length).TrimEnd('\r');
        _line.SetLength(0);
        return text;
    }
}
