using System.Buffers;
using Microsoft.AspNetCore.Http;
using Portico.Problems;

namespace Portico.Aggregation;

/// <summary>
/// The client's request body, read once into pooled memory when parts forward it or read fields from it (several
/// parts may use it, so it cannot be streamed). The route's <c>maxRequestBodySize</c> bounds it.
/// </summary>
internal sealed class ClientBody : IDisposable
{
    private byte[]? _buffer;

    private ClientBody(byte[]? buffer, int length, string? contentType)
    {
        _buffer = buffer;
        Length = length;
        ContentType = contentType;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, Length);

    /// <summary>The client's <c>Content-Type</c>, sent with the body to parts that forward it.</summary>
    public string? ContentType { get; }

    /// <summary>Reads the body; a problem instead when it is too large or broken.</summary>
    public static async Task<(ClientBody? Body, Problem? Problem)> ReadAsync(HttpContext http, long limit)
    {
        var request = http.Request;
        var initial = (int)Math.Min(request.ContentLength ?? 4096, Math.Min(limit, Array.MaxLength - 1));
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 1));
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(total), http.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, GatewayProblems.PayloadTooLarge);
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            // The server cuts a body at the route's limit (RequestLimitsStage sets it) with a 413, and a body arriving
            // slower than the minimum data rate with a 408.
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => GatewayProblems.PayloadTooLarge,
                StatusCodes.Status408RequestTimeout => GatewayProblems.RequestTimeout,
                _ => GatewayProblems.BadRequest,
            });
        }
        catch (IOException) when (!http.RequestAborted.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, GatewayProblems.BadRequest);
        }

        return (new ClientBody(buffer, total, request.ContentType), null);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
