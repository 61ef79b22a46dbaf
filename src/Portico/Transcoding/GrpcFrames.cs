using System.Buffers;
using System.Buffers.Binary;

namespace Portico.Transcoding;

/// <summary>
/// gRPC's length-prefixed messages over HTTP/2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
/// a compressed flag byte, a 4-byte big-endian length, the message. The gateway offers no compression, so a
/// compressed message from the service is an error.
/// </summary>
internal static class GrpcFrames
{
    /// <summary>The largest message read from a service: gRPC's own default receive limit.</summary>
    public const int MaxMessageSize = 4 * 1024 * 1024;

    public const int HeaderSize = 5;

    /// <summary>Writes the frame header for a message of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(Span<byte> header, int length)
    {
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)length);
    }

    /// <summary>
    /// Reads the next message into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it with
    /// <see cref="Return"/>); <c>Message</c> null at the end of the stream, or with <c>Error</c> when the stream does not
    /// hold a well-formed frame. Pooled because every transcoded call reads at least one message (issue 18's allocation figure);
    /// a <see cref="ValueTask{TResult}"/> because the frame is usually buffered already, and a read that completes at once
    /// then allocates nothing.
    /// </summary>
    public static async ValueTask<(byte[]? Message, int Length, string? Error)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = ArrayPool<byte>.Shared.Rent(HeaderSize);
        int read;
        uint length;
        try
        {
            read = await stream.ReadAtLeastAsync(header.AsMemory(0, HeaderSize), HeaderSize, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                return (null, 0, null);
            }

            if (read < HeaderSize)
            {
                return (null, 0, "the service's message frame ended early");
            }

            if (header[0] != 0)
            {
                return (null, 0, "the service sent a compressed message, which the gateway did not offer to accept");
            }

            length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1, 4));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }

        if (length > MaxMessageSize)
        {
            return (null, 0, $"the service's message is larger than {MaxMessageSize} bytes");
        }

        var message = ArrayPool<byte>.Shared.Rent(Math.Max((int)length, 1));
        try
        {
            read = await stream.ReadAtLeastAsync(message.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellationToken);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(message);
            throw;
        }

        if (read < length)
        {
            ArrayPool<byte>.Shared.Return(message);
            return (null, 0, "the service's message ended early");
        }

        return (message, (int)length, null);
    }

    /// <summary>Gives back a message buffer <see cref="ReadAsync"/> rented; null is ignored.</summary>
    public static void Return(byte[]? message)
    {
        if (message is not null)
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }
}
