using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;

namespace Portico.Observability;

/// <summary>
/// Writes access-log entries as JSON lines from a bounded queue on one background task, batching many lines per
/// write. A request only enqueues a struct; when the queue is full the entry is dropped and counted rather than
/// making the request wait.
/// </summary>
/// <remarks>
/// The queue is an unbounded single-reader channel (lock-free for the requests that write to it) held to its
/// capacity by a count: a bounded channel takes a lock on every write and every read, and the pump draining it
/// contended with the requests filling it (issue 25, docs/performance.md). Each line is formatted straight into
/// the output buffer as UTF-8, with no intermediate strings.
/// </remarks>
internal sealed class JsonLinesAccessLogWriter : IAsyncDisposable
{
    // Writes to a pipe are atomic up to PIPE_BUF (4 KiB on Linux): stay below it so lines from other writers of the
    // same stdout (the console logger) never land inside ours.
    private const int FlushThreshold = 3584;

    private readonly Channel<AccessLogEntry> _queue;
    private readonly int _capacity;
    private readonly Stream _output;
    private readonly Action _onDropped;
    private readonly Task _pump;
    private int _queued;

    public JsonLinesAccessLogWriter(Stream output, int capacity, Action onDropped)
    {
        _output = output;
        _onDropped = onDropped;
        _capacity = capacity;
        _queue = Channel.CreateUnbounded<AccessLogEntry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        _pump = Task.Run(PumpAsync);
    }

    public void Write(in AccessLogEntry entry)
    {
        // Entries queued beyond the capacity are dropped and counted; the writer never makes a request wait.
        if (Interlocked.Increment(ref _queued) > _capacity || !_queue.Writer.TryWrite(entry))
        {
            Interlocked.Decrement(ref _queued);
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
        // Two buffers: when a write leaves a partial batch behind, the rest moves to the other one (no copy to a new array).
        var buffer = new ArrayBufferWriter<byte>(8192);
        var spare = new ArrayBufferWriter<byte>(8192);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var entry))
            {
                Interlocked.Decrement(ref _queued);
                var lineStart = buffer.WrittenCount;
                json.Reset(buffer);
                Format(json, entry);
                json.Flush();
                buffer.Write("\n"u8);
                if (buffer.WrittenCount >= FlushThreshold)
                {
                    // Write everything up to the last complete line that fits; keep the rest for the next write.
                    var length = lineStart > 0 ? lineStart : buffer.WrittenCount;
                    await WriteAsync(buffer.WrittenMemory[..length]);
                    spare.ResetWrittenCount();
                    spare.Write(buffer.WrittenSpan[length..]);
                    (buffer, spare) = (spare, buffer);
                }
            }

            if (buffer.WrittenCount > 0)
            {
                await WriteAsync(buffer.WrittenMemory);
                buffer.ResetWrittenCount();
            }
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> lines)
    {
        try
        {
            await _output.WriteAsync(lines);
            await _output.FlushAsync();
        }
        catch (IOException)
        {
            // Standard output closed (a detached process): the log is lost, the gateway keeps serving.
        }
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
            // The longest textual IPv6 address with a scope id is 65 characters.
            Span<char> client = stackalloc char[80];
            if (entry.Client.TryFormat(client, out var written))
            {
                json.WriteString("client", client[..written]);
            }
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
