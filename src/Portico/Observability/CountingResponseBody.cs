using Microsoft.AspNetCore.Http.Features;
using Portico.Pipeline;

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
internal sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : ResponseBodyStream(inner)
{
    /// <summary>Bytes of the body written so far.</summary>
    public long Count { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken = default) => Inner.StartAsync(cancellationToken);

    public override Task CompleteAsync() => CreatedWriter is null ? Inner.CompleteAsync() : CompleteWriterAsync();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Stream.Write(buffer, offset, count);
        Count += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Inner.Stream.Write(buffer);
        Count += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Count += count;
        return Inner.Stream.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count += buffer.Length;
        return Inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => Inner.Stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.Stream.FlushAsync(cancellationToken);

    private async Task CompleteWriterAsync()
    {
        await CreatedWriter!.FlushAsync();
        await Inner.CompleteAsync();
    }
}
