using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;

namespace Portico.Observability;

/// <summary>
/// Writes access-log entries as JSON lines from a bounded queue on one background task, batching many lines per
/// write. A request only enqueues a struct; when the queue is full the entry is dropped and counted rather than
/// making the request wait.
/// </summary>
internal sealed class JsonLinesAccessLogWriter : IAsyncDisposable
{
    // Writes to a pipe are atomic up to PIPE_BUF (4 KiB on Linux): stay below it so lines from other writers of the
    // same stdout (the console logger) never land inside ours.
    private const int FlushThreshold = 3584;

    private readonly Channel<AccessLogEntry> _queue;
    private readonly Stream _output;
    private readonly Action _onDropped;
    private readonly Task _pump;

    public JsonLinesAccessLogWriter(Stream output, int capacity, Action onDropped)
    {
        _output = output;
        _onDropped = onDropped;
        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of blocking: the entry is dropped
            SingleReader = true,
            SingleWriter = false,
        });
        _pump = Task.Run(PumpAsync);
    }

    public void Write(in AccessLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            _onDropped();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
    }

    private async Task PumpAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var entry))
            {
                var lineStart = buffer.WrittenCount;
                Format(json, entry);
                json.Flush();
                json.Reset();
                buffer.Write("\n"u8);
                if (buffer.WrittenCount >= FlushThreshold)
                {
                    // Write everything up to the last complete line that fits; keep the rest for the next write.
                    await WriteAsync(buffer, lineStart > 0 ? lineStart : buffer.WrittenCount);
                }
            }

            if (buffer.WrittenCount > 0)
            {
                await WriteAsync(buffer, buffer.WrittenCount);
            }
        }
    }

    private async Task WriteAsync(ArrayBufferWriter<byte> buffer, int length)
    {
        try
        {
            await _output.WriteAsync(buffer.WrittenMemory[..length]);
            await _output.FlushAsync();
        }
        catch (IOException)
        {
            // Standard output closed (a detached process): the log is lost, the gateway keeps serving.
        }

        var rest = buffer.WrittenSpan[length..].ToArray();
        buffer.ResetWrittenCount();
        buffer.Write(rest);
    }

    private static void Format(Utf8JsonWriter json, in AccessLogEntry entry)
    {
        json.WriteStartObject();
        json.WriteString("time", entry.Time);
        WriteOptional(json, "method", entry.Method);
        WriteOptional(json, "path", entry.Path);
        json.WriteNumber("status", entry.Status);
        WriteOptional(json, "route", entry.RouteId);
        WriteOptional(json, "backend", entry.BackendId);
        WriteOptional(json, "consumer", entry.ConsumerId);
        if (entry.Client is not null)
        {
            json.WriteString("client", entry.Client.ToString());
        }

        json.WriteNumber("durationMs", Math.Round(entry.DurationMs, 3));
        if (entry.UpstreamMs is { } upstream)
        {
            json.WriteNumber("upstreamMs", Math.Round(upstream, 3));
        }

        json.WriteNumber("bytesIn", entry.BytesIn);
        json.WriteNumber("bytesOut", entry.BytesOut);
        if (entry.Refused is null)
        {
            json.WriteString("outcome", entry.Outcome.Name());
        }

        if (!entry.TraceId.IsEmpty)
        {
            Span<char> traceId = stackalloc char[RequestTraceId.Length];
            entry.TraceId.Format(traceId);
            json.WriteString("traceId", traceId);
        }

        WriteOptional(json, "refused", entry.Refused);
        WriteOptional(json, "cache", entry.Cache);
        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
