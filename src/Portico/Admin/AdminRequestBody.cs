using Microsoft.AspNetCore.Http;

namespace Portico.Admin;

/// <summary>Reads an admin request's body whole, refusing one over a bound before or while reading (an admin call never makes the gateway buffer without limit).</summary>
internal static class AdminRequestBody
{
    /// <summary>The body, or null when it is over <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length > maxBytes ? null : buffer.AsMemory(0, length);
    }
}
