using System.Buffers;

namespace Portico.Waf;

/// <summary>
/// The request body after the filter read its first bytes: those bytes again, unchanged, then the rest of the client's
/// stream as it arrives. The backend receives exactly what the client sent, and a long body is never held whole.
/// </summary>
internal sealed class ReplayedBodyStream(byte[] rented, int length, Stream? rest) : Stream
{
    private byte[]? _prefix = rented;
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TryReadPrefix(buffer, out var copied))
        {
            return copied;
        }

        return rest?.Read(buffer) ?? 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryReadPrefix(buffer.Span, out var copied))
        {
            return ValueTask.FromResult(copied);
        }

        return rest?.ReadAsync(buffer, cancellationToken) ?? ValueTask.FromResult(0);
    }

    private bool TryReadPrefix(Span<byte> buffer, out int copied)
    {
        copied = 0;
        if (_prefix is not { } prefix || buffer.IsEmpty)
        {
            return false;
        }

        copied = Math.Min(buffer.Length, length - _position);
        prefix.AsSpan(_position, copied).CopyTo(buffer);
        _position += copied;
        if (_position == length)
        {
            Release();
        }

        return copied > 0 || rest is null;
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _prefix, null) is { } prefix)
        {
            ArrayPool<byte>.Shared.Return(prefix);
        }
    }

    protected override void Dispose(bool disposing)
    {
        Release();
        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
