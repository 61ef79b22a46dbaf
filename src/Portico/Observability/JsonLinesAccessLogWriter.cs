using System.Buffers;

namespace Portico.Observability;

/// <summary>
/// Writes access-log entries as JSON lines from a bounded buffer on one background thread, in batches gathered
/// over a short interval. A request only copies a struct into the buffer; when the buffer is full the entry is
/// dropped and counted rather than making the request wait.
/// </summary>
/// <remarks>
/// Issue 25 (docs/performance.md): waking the writer for every entry (a thread-pool work item, often a parked
/// thread woken through a semaphore) and writing each small batch through <c>Stream.WriteAsync</c> cost about
/// 14 µs of CPU per request. Now the writer is woken once when the buffer stops being empty, lets entries gather
/// for <see cref="DefaultGatherInterval"/>, takes the whole batch by swapping two buffers (the only moment it
/// holds the lock the requests take) and writes it synchronously from its own thread, off the request path. A
/// line is therefore up to one interval late. The buffers grow with the load up to the capacity and are reused:
/// an unbounded queue (a <c>ConcurrentQueue</c> under the channel used before) allocates ever larger segments.
/// Each line is formatted straight into UTF-8 by <see cref="AccessLogLineFormatter"/>.
/// </remarks>
internal sealed class JsonLinesAccessLogWriter : IAsyncDisposable
{
    /// <summary>How long entries gather after the first one before the writer takes them as one batch.</summary>
    public static readonly TimeSpan DefaultGatherInterval = TimeSpan.FromMilliseconds(100);

    // Writes to a pipe are atomic up to PIPE_BUF (4 KiB on Linux): stay below it so lines from other writers of the
    // same stdout (the console logger) never land inside ours.
    private const int FlushThreshold = 3584;
    private const int InitialBufferLength = 64;

    private readonly Lock _gate = new();
    private readonly int _capacity;
    private readonly Stream _output;
    private readonly Action _onDropped;
    private readonly TimeSpan _gatherInterval;
    // No spinning before blocking: the writer waits for long stretches, and a spin on every wake-up costs more CPU
    // than the batch it then writes.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly ManualResetEventSlim _stopping = new(false, spinCount: 0);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AccessLogEntry[] _filling;
    private AccessLogEntry[] _draining;
    private int _count;
    private bool _parked;
    private bool _completed;

    public JsonLinesAccessLogWriter(Stream output, int capacity, Action onDropped, TimeSpan? gatherInterval = null)
    {
        _output = output;
        _onDropped = onDropped;
        _capacity = capacity;
        _gatherInterval = gatherInterval ?? DefaultGatherInterval;
        _filling = new AccessLogEntry[Math.Min(capacity, InitialBufferLength)];
        _draining = new AccessLogEntry[_filling.Length];
        new Thread(Pump) { IsBackground = true, Name = "Portico access log" }.Start();
    }

    public void Write(in AccessLogEntry entry)
    {
        bool accepted, wake = false;
        lock (_gate)
        {
            accepted = _count < _capacity && !_completed;
            if (accepted)
            {
                if (_count == _filling.Length)
                {
                    Array.Resize(ref _filling, Math.Min(_capacity, _filling.Length * 2));
                }

                _filling[_count++] = entry;
                wake = _parked;
                _parked = false;
            }
        }

        if (!accepted)
        {
            // Entries beyond the capacity are dropped and counted (portico.accesslog.dropped); a request never waits.
            _onDropped();
        }
        else if (wake)
        {
            _wake.Set();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _completed = true;
        }

        _stopping.Set();
        _wake.Set();
        await _stopped.Task;
    }

    private void Pump()
    {
        try
        {
            // Two byte buffers: when a write leaves a partial line behind, the rest moves to the other one.
            var buffer = new ArrayBufferWriter<byte>(8192);
            var spare = new ArrayBufferWriter<byte>(8192);
            var formatter = new AccessLogLineFormatter();
            while (true)
            {
                bool park;
                lock (_gate)
                {
                    if (_count == 0 && _completed)
                    {
                        return;
                    }

                    park = _count == 0;
                    _parked = park;
                    if (park)
                    {
                        // Reset under the lock: a writer that finds the writer parked sets the event after this.
                        _wake.Reset();
                    }
                }

                if (park)
                {
                    _wake.Wait();
                    continue;
                }

                // Let entries gather, so one wake-up and one write serve many requests; disposal cuts the wait short.
                _stopping.Wait(_gatherInterval);

                int taken;
                AccessLogEntry[] batch;
                lock (_gate)
                {
                    batch = _filling;
                    taken = _count;
                    _filling = _draining.Length >= batch.Length ? _draining : new AccessLogEntry[batch.Length];
                    _draining = batch;
                    _count = 0;
                }

                WriteBatch(batch.AsSpan(0, taken), formatter, ref buffer, ref spare);
                Array.Clear(batch, 0, taken); // no strings kept alive by entries already written
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void WriteBatch(ReadOnlySpan<AccessLogEntry> batch, AccessLogLineFormatter formatter, ref ArrayBufferWriter<byte> buffer, ref ArrayBufferWriter<byte> spare)
    {
        foreach (ref readonly var entry in batch)
        {
            var lineStart = buffer.WrittenCount;
            formatter.Format(buffer, entry);
            if (buffer.WrittenCount >= FlushThreshold)
            {
                // Write everything up to the last complete line that fits; keep the rest for the next write.
                var length = lineStart > 0 ? lineStart : buffer.WrittenCount;
                Write(buffer.WrittenSpan[..length]);
                spare.ResetWrittenCount();
                spare.Write(buffer.WrittenSpan[length..]);
                (buffer, spare) = (spare, buffer);
            }
        }

        if (buffer.WrittenCount > 0)
        {
            Write(buffer.WrittenSpan);
            buffer.ResetWrittenCount();
        }
    }

    private void Write(ReadOnlySpan<byte> lines)
    {
        try
        {
            _output.Write(lines);
            _output.Flush();
        }
        catch (IOException)
        {
            // Standard output closed (a detached process): the log is lost, the gateway keeps serving.
        }
        catch (ObjectDisposedException)
        {
            // The same, when the stream was closed under the writer.
        }
    }
}
