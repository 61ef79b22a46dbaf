namespace Portico.Proxy;

/// <summary>
/// The client's request body as the forwarder reads it: any failure to read it becomes a
/// <see cref="ClientRequestException"/>, which marks the failure as the client's wherever it surfaces (an
/// <see cref="HttpRequestException"/> from the handler, a forwarder error, a resilience outcome). Installed only for
/// requests that can have a body; reads pass straight through.
/// </summary>
internal sealed class ClientBodyStream(Stream inner, CancellationToken clientAborted) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<int> read;
        try
        {
            read = inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex)
        {
            throw Fault(ex);
        }

        return read.IsCompletedSuccessfully ? read : AwaitAsync(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (Exception ex)
        {
            throw Fault(ex);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask<int> AwaitAsync(ValueTask<int> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fault(ex);
        }
    }

    private ClientRequestException Fault(Exception ex) =>
        ex as ClientRequestException ?? new ClientRequestException(ClientRequestException.StatusFor(ex, clientAborted.IsCancellationRequested), ex);
}
