using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Portico.Pipeline;

namespace Portico.Caching;

/// <summary>
/// Sits in place of the response body while a cacheable request is forwarded. Before the first byte (or the start,
/// or the end of an empty response) it asks <see cref="CacheExchange"/> what to do with the response, then streams
/// it to the client as it arrives, copying at most the route's body limit: a larger body stops being copied and is
/// never stored, and the client's stream is never held up.
/// </summary>
internal sealed class ResponseCapture : ResponseBodyStream
{
    private readonly HttpResponse _response;
    private readonly CacheExchange _exchange;
    private byte[]? _buffer;
    private int _length;
    private long _limit;

    public ResponseCapture(IHttpResponseBodyFeature inner, HttpResponse response, CacheExchange exchange)
        : base(inner)
    {
        _response = response;
        _exchange = exchange;
    }

    /// <summary>What was decided; <see cref="CaptureMode.Undecided"/> while nothing was written.</summary>
    public CaptureMode Mode { get; private set; }

    /// <summary>Whether the body passed the limit, so the copy was dropped.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Bytes that went by (copied or not).</summary>
    public long Written { get; private set; }

    /// <summary>Decides now if nothing was written (an empty body or a 304).</summary>
    public void Decide()
    {
        if (Mode != CaptureMode.Undecided)
        {
            return;
        }

        Mode = _exchange.OnResponseStarting(_response, out _limit);
        if (Mode == CaptureMode.Store && _response.ContentLength is long declared && declared <= _limit)
        {
            _buffer = declared == 0 ? [] : ArrayPool<byte>.Shared.Rent((int)declared);
        }
    }

    /// <summary>The copied body, exactly sized; null when nothing is to be stored. Returns the pooled buffer.</summary>
    public byte[]? TakeBody()
    {
        if (Mode != CaptureMode.Store || Overflowed)
        {
            Release();
            return null;
        }

        var body = _length == 0 ? [] : _buffer.AsSpan(0, _length).ToArray();
        Release();
        return body;
    }

    /// <summary>Returns the pooled buffer, if any.</summary>
    public void Release()
    {
        if (_buffer is { Length: > 0 } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _buffer = null;
    }

    public override Task StartAsync(CancellationToken cancellationToken = default)
    {
        Decide();
        return Mode == CaptureMode.Absorb ? Task.CompletedTask : Inner.StartAsync(cancellationToken);
    }

    public override async Task CompleteAsync()
    {
        Decide();
        if (CreatedWriter is { } writer)
        {
            await writer.FlushAsync();
        }

        if (Mode != CaptureMode.Absorb)
        {
            await Inner.CompleteAsync();
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Decide();
        return Mode == CaptureMode.Absorb ? Task.CompletedTask : Inner.Stream.FlushAsync(cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Decide();
        Written += buffer.Length;
        if (Mode == CaptureMode.Absorb)
        {
            return ValueTask.CompletedTask; // a 304 has no body; anything else here is not the client's
        }

        if (Mode == CaptureMode.Store && !Overflowed)
        {
            Copy(buffer.Span);
        }

        return Inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    private void Copy(ReadOnlySpan<byte> data)
    {
        if (_length + (long)data.Length > _limit)
        {
            Overflowed = true;
            Release();
            return;
        }

        if (_buffer is null || _buffer.Length - _length < data.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(_limit, Math.Max(16 * 1024, (_length + (long)data.Length) * 2)));
            if (_buffer is { } old)
            {
                old.AsSpan(0, _length).CopyTo(grown);
                if (old.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(old);
                }
            }

            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }
}
