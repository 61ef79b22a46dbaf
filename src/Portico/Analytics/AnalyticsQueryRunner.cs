using System.Buffers;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage;

namespace Portico.Analytics;

/// <summary>
/// Answers an analytics query: every instance's rows from the store, plus this instance's minutes not yet written (so the
/// dashboard is live for the instance it talks to), merged by <see cref="AnalyticsReport"/>. When the store cannot be read
/// the answer is this instance's unsent minutes alone, marked <c>partial</c>, and the storage state says why.
/// </summary>
internal sealed class AnalyticsQueryRunner(AnalyticsRecorder recorder, AnalyticsFlusher flusher, IOptions<PorticoOptions> options)
{
    private readonly int _maxRows = options.Value.Analytics.MaxQueryRows;

    /// <summary>Runs <paramref name="query"/> and writes its report.</summary>
    public async Task<ArrayBufferWriter<byte>> RunAsync(AnalyticsQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var local = recorder.Unsent(query.FromMinute, query.ToMinute);
        var localParts = local.Select(r => (r.Minute, r.Part)).ToHashSet();
        var rows = new List<AnalyticsRow>(local);
        var partial = false;
        var truncated = false;
        try
        {
            var read = await flusher.Store.ReadAsync(query.FromMinute, query.ToMinute, _maxRows, cancellationToken);
            truncated = read.Truncated;
            foreach (var row in read.Rows)
            {
                // A part of this instance's minute is counted from memory until it is written; one written while this
                // query ran could be read twice, so memory wins.
                if (row.Instance != recorder.InstanceId || !localParts.Contains((row.Minute, row.Part)))
                {
                    rows.Add(row);
                }
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
        {
            partial = true;
            flusher.State.Failed(now, ex);
        }

        var state = flusher.State.Read();
        var source = new AnalyticsReport.Source(flusher.Store.Mode, state.Healthy && !partial, state.LastError, state.LastErrorAt, state.LastWriteAt,
            state.DroppedRequests, partial, truncated, recorder.InstanceId);
        return AnalyticsReport.Write(query, rows, source);
    }
}
