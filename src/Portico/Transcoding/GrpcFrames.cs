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
    /// Reads the next message; <c>Message</c> null at the end of the stream, or with <c>Error</c> when the stream does
    /// not hold a well-formed frame.
    /// </summary>
    public static async Task<(byte[]? Message, string? Error)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var read = await stream.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return (null, null);
        }

        if (read < HeaderSize)
        {
            return (null, "the service's message frame ended early");
        }

        if (header[0] != 0)
        {
            return (null, "the service sent a compressed message, which the gateway did not offer to accept");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxMessageSize)
        {
            return (null, $"the service's message is larger than {MaxMessageSize} bytes");
        }

        var message = new byte[length];
        read = await stream.ReadAtLeastAsync(message, (int)length, throwOnEndOfStream: false, cancellationToken);
        return read < length ? (null, "the service's message ended early") : (message, null);
    }
}
