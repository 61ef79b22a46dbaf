using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Portico.Pipeline;

/// <summary>
/// A write-only response body that stands in for the server's <see cref="IHttpResponseBodyFeature"/> while a stage
/// watches what is written (the access log's byte count, the cache's capture). Its own stream is the body stream; a
/// <see cref="PipeWriter"/> is made over that stream on first use, and a file is sent by writing it through the
/// stream, so every byte passes the derived type's writes.
/// </summary>
internal abstract class ResponseBodyStream : Stream, IHttpResponseBodyFeature
{
    private PipeWriter? _writer;

    protected ResponseBodyStream(IHttpResponseBodyFeature inner) => Inner = inner;

    /// <summary>The feature this one stands in for (the server's, or another stage's stand-in).</summary>
    public IHttpResponseBodyFeature Inner { get; }

    Stream IHttpResponseBodyFeature.Stream => this;

    PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The pipe writer, when someone asked for it (it must be flushed before the body completes).</summary>
    protected PipeWriter? CreatedWriter => _writer;

    public void DisableBuffering() => Inner.DisableBuffering();

    public abstract Task StartAsync(CancellationToken cancellationToken = default);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

    public abstract Task CompleteAsync();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
