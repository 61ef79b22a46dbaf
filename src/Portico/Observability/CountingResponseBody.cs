using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Portico.Observability;

/// <summary>
/// Counts the bytes of the response body for the access log, standing in for the server's response body feature.
/// </summary>
/// <remarks>
/// Not a replacement of <c>HttpResponse.Body</c>: setting it makes ASP.NET Core wrap the new stream in a
/// <c>StreamResponseBodyFeature</c>, a second object per request that also flushes the stream when the response
/// starts, an extra write to the socket. This feature passes starting, completing and flushing straight to the
/// server's (Kestrel's) and only counts what is written through it (issue 25: the access log's cost per request).
/// A stage that stands in for the body itself later (the cache's capture) wraps this one, so its bytes are counted too.
/// </remarks>
internal sealed class CountingResponseBody : Stream, IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private PipeWriter? _writer;

    public CountingResponseBody(IHttpResponseBodyFeature inner) => _inner = inner;

    /// <summary>Bytes of the body written so far.</summary>
    public long Count { get; private set; }

    Stream IHttpResponseBodyFeature.Stream => this;

    // Rarely used on a proxied route (the forwarder writes to the stream): made on first use, writing through this stream.
    PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

    public Task CompleteAsync() => _writer is null ? _inner.CompleteAsync() : CompleteWriterAsync();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _inner.Stream.Write(buffer, offset, count);
        Count += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Stream.Write(buffer);
        Count += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Count += count;
        return _inner.Stream.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count += buffer.Length;
        return _inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _inner.Stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.Stream.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task CompleteWriterAsync()
    {
        await _writer!.FlushAsync();
        await _inner.CompleteAsync();
    }
}
