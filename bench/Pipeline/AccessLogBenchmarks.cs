using System.Net;
using BenchmarkDotNet.Attributes;
using Portico.Observability;

namespace Portico.Bench.Pipeline;

/// <summary>
/// The request's side of the stdout access log, apart from the writer thread (whose CPU the load benchmark reads
/// from <c>/proc</c>): what the observability stage does for a logged request: a clock read, a new trace id (a
/// request without <c>traceparent</c> and without tracing), the entry, and its copy into the writer's buffer
/// under the buffer's lock. Each invocation queues <see cref="Entries"/> entries, fewer than the writer's capacity
/// and all within one gather interval, so none is dropped; the setup of the next iteration waits for the writer
/// to take and write the batch, as it does between batches under load.
/// </summary>
[MemoryDiagnoser]
public class AccessLogBenchmarks
{
    private const int Entries = 20_000;

    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");
    private readonly TimeProvider _time = TimeProvider.System;
    private JsonLinesAccessLogWriter _writer = null!;
    private long _dropped;

    [GlobalSetup]
    public void Setup() => _writer = new JsonLinesAccessLogWriter(Stream.Null, capacity: 4 * Entries, () => Interlocked.Increment(ref _dropped));

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _writer.DisposeAsync();
        if (_dropped > 0)
        {
            throw new InvalidOperationException($"{_dropped} entries were dropped: the figure would include the drop path");
        }
    }

    // Longer than the gather interval plus the writing of a batch: the next iteration starts with an empty buffer.
    [IterationSetup]
    public void WaitForTheWriter() => Thread.Sleep(JsonLinesAccessLogWriter.DefaultGatherInterval * 3);

    /// <summary>One logged request's share of the access log on the request's thread.</summary>
    [Benchmark(OperationsPerInvoke = Entries)]
    public void Write()
    {
        for (int i = 0; i < Entries; i++)
        {
            _writer.Write(new AccessLogEntry(
                _time.GetUtcNow(), "GET", "/plain/1k", 200, "plain", "bench-backend", null, Client, 0.412, 0.301,
                0, 1024, RequestTraceId.NewRandom(), RequestOutcome.Completed));
        }
    }
}
