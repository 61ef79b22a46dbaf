using System.Buffers;
using System.Text.Json;

namespace Portico.Analytics;

/// <summary>
/// Merges rollup rows of every instance into the admin API's answer (docs/analytics.md): totals, a time series of at most
/// <see cref="MaxPoints"/> points, and the top groups. Rows of the same minute from different instances simply add up:
/// every counter is a sum and the latency histograms share fixed buckets.
/// </summary>
internal static class AnalyticsReport
{
    /// <summary>The most points of the series; longer ranges use steps of several minutes.</summary>
    public const int MaxPoints = 360;

    private static readonly string[] ClassNames = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"];

    /// <summary>What the report says about where its rows came from.</summary>
    public sealed record Source(string Mode, bool Healthy, string? LastError, DateTimeOffset? LastErrorAt, DateTimeOffset? LastWriteAt, long DroppedRequests, bool Partial, bool Truncated, string Instance);

    /// <summary>The minutes one point of the series covers for <paramref name="query"/>.</summary>
    public static int StepMinutes(AnalyticsQuery query) =>
        (int)Math.Max(1, (query.ToMinute - query.FromMinute + MaxPoints - 1) / MaxPoints);

    /// <summary>Writes the report of <paramref name="rows"/> as indented JSON.</summary>
    public static ArrayBufferWriter<byte> Write(AnalyticsQuery query, IReadOnlyCollection<AnalyticsRow> rows, Source source)
    {
        var step = StepMinutes(query);
        var points = (int)((query.ToMinute - query.FromMinute + step - 1) / step);
        var series = new AnalyticsTotal[points];
        var groups = new Dictionary<string, AnalyticsTotal>(StringComparer.Ordinal);
        var total = new AnalyticsTotal();
        var instances = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var minute = AnalyticsRecorder.MinuteOf(row.Minute);
            if (minute < query.FromMinute || minute >= query.ToMinute)
            {
                continue;
            }

            total.Add(row);
            instances.Add(row.Instance);
            (series[(minute - query.FromMinute) / step] ??= new AnalyticsTotal()).Add(row);
            var key = query.GroupBy switch
            {
                AnalyticsGroupBy.Consumer => row.Consumer,
                AnalyticsGroupBy.Status => ClassNames[(uint)row.StatusClass < 6 ? row.StatusClass : 0],
                _ => row.Route,
            };
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = new AnalyticsTotal();
            }

            group.Add(row);
        }

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("from", query.From);
        writer.WriteString("to", query.To);
        writer.WriteString("groupBy", AnalyticsQuery.Name(query.GroupBy));
        writer.WriteNumber("top", query.Top);
        writer.WriteNumber("stepSeconds", step * 60);
        writer.WriteNumber("percentileRelativeError", Math.Round(LatencyHistogram.RelativeError, 4));
        WriteSource(writer, source);
        writer.WriteStartArray("instances");
        foreach (var instance in instances)
        {
            writer.WriteStringValue(instance);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("totals");
        WriteTotal(writer, total, step * 60.0 * Math.Max(1, points));

        writer.WriteStartArray("series");
        for (var i = 0; i < points; i++)
        {
            var point = series[i] ?? new AnalyticsTotal();
            writer.WriteStartObject();
            writer.WriteString("at", new DateTimeOffset((query.FromMinute + (long)i * step) * TimeSpan.TicksPerMinute, TimeSpan.Zero));
            writer.WriteNumber("requests", point.Counts.Requests);
            writer.WriteNumber("perSecond", Math.Round(point.Counts.Requests / (step * 60.0), 3));
            writer.WriteNumber("errors", point.ByClass[5]);
            writer.WriteNumber("errorRate", Math.Round(point.ErrorRate, 4));
            writer.WriteNumber("rateLimited", point.Counts.RateLimited);
            writer.WriteNumber("authFailures", point.AuthFailures);
            writer.WriteNumber("upstreamErrors", point.Counts.UpstreamErrors);
            WritePercentiles(writer, point.Counts.Latency);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        writer.WriteStartArray("groups");
        foreach (var (key, group) in groups.OrderByDescending(g => g.Value.Counts.Requests).ThenBy(g => g.Key, StringComparer.Ordinal).Take(query.Top))
        {
            writer.WriteStartObject();
            writer.WriteString("key", key);
            WriteTotalMembers(writer, group, step * 60.0 * Math.Max(1, points));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("groupCount", groups.Count);
        writer.WriteEndObject();
        writer.Flush();
        return buffer;
    }

    private static void WriteSource(Utf8JsonWriter writer, Source source)
    {
        writer.WriteStartObject("storage");
        writer.WriteString("mode", source.Mode);
        writer.WriteBoolean("healthy", source.Healthy);
        writer.WriteString("lastError", source.LastError);
        if (source.LastErrorAt is { } errorAt)
        {
            writer.WriteString("lastErrorAt", errorAt);
        }
        else
        {
            writer.WriteNull("lastErrorAt");
        }

        if (source.LastWriteAt is { } writeAt)
        {
            writer.WriteString("lastWriteAt", writeAt);
        }
        else
        {
            writer.WriteNull("lastWriteAt");
        }

        writer.WriteNumber("droppedRequests", source.DroppedRequests);
        writer.WriteEndObject();
        writer.WriteBoolean("partial", source.Partial);
        writer.WriteBoolean("truncated", source.Truncated);
        writer.WriteString("answeredBy", source.Instance);
    }

    private static void WriteTotal(Utf8JsonWriter writer, AnalyticsTotal total, double seconds)
    {
        writer.WriteStartObject();
        WriteTotalMembers(writer, total, seconds);
        writer.WriteEndObject();
    }

    private static void WriteTotalMembers(Utf8JsonWriter writer, AnalyticsTotal total, double seconds)
    {
        var counts = total.Counts;
        writer.WriteNumber("requests", counts.Requests);
        writer.WriteNumber("perSecond", Math.Round(counts.Requests / seconds, 3));
        writer.WriteNumber("bytesIn", counts.BytesIn);
        writer.WriteNumber("bytesOut", counts.BytesOut);
        writer.WriteStartObject("status");
        for (var i = 1; i < ClassNames.Length; i++)
        {
            writer.WriteNumber(ClassNames[i], total.ByClass[i]);
        }

        if (total.ByClass[0] > 0)
        {
            writer.WriteNumber(ClassNames[0], total.ByClass[0]);
        }

        writer.WriteEndObject();
        writer.WriteNumber("errorRate", Math.Round(total.ErrorRate, 4));
        writer.WriteNumber("rateLimited", counts.RateLimited);
        writer.WriteNumber("upstreamErrors", counts.UpstreamErrors);
        WriteNamed(writer, "authFailures", counts.AuthFailures, AnalyticsSignals.AuthReasons);
        WriteNamed(writer, "cache", counts.Cache, AnalyticsSignals.CacheOutcomes);
        writer.WriteStartObject("latencyMs");
        WritePercentiles(writer, counts.Latency);
        writer.WriteEndObject();
    }

    private static void WritePercentiles(Utf8JsonWriter writer, long[] latency)
    {
        WritePercentile(writer, "p50", latency, 0.50);
        WritePercentile(writer, "p95", latency, 0.95);
        WritePercentile(writer, "p99", latency, 0.99);
    }

    private static void WritePercentile(Utf8JsonWriter writer, string name, long[] latency, double quantile)
    {
        if (LatencyHistogram.Percentile(latency, quantile) is { } value)
        {
            writer.WriteNumber(name, Math.Round(value, 3));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteNamed(Utf8JsonWriter writer, string name, long[] counts, string[] names)
    {
        writer.WriteStartObject(name);
        for (var i = 0; i < counts.Length; i++)
        {
            writer.WriteNumber(names[i], counts[i]);
        }

        writer.WriteEndObject();
    }
}
