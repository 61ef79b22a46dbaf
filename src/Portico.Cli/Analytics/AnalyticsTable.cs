using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portico.Cli.Analytics;

/// <summary>Renders the analytics API's answer as a summary and a table of its groups.</summary>
internal static class AnalyticsTable
{
    private static readonly string[] Header = ["requests", "2xx", "3xx", "4xx", "5xx", "429", "auth", "upstream", "p50 ms", "p95 ms", "p99 ms"];

    public static string Format(JsonElement report)
    {
        var text = new StringBuilder();
        var totals = report.GetProperty("totals");
        var storage = report.GetProperty("storage");
        text.AppendLine(CultureInfo.InvariantCulture, $"{report.GetProperty("from").GetString()} to {report.GetProperty("to").GetString()}, {storage.GetProperty("mode").GetString()} storage, instances: {string.Join(", ", report.GetProperty("instances").EnumerateArray().Select(i => i.GetString()))}");
        if (!storage.GetProperty("healthy").GetBoolean() || report.GetProperty("partial").GetBoolean())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"STORAGE UNREACHABLE ({storage.GetProperty("lastError").GetString()}): only {report.GetProperty("answeredBy").GetString()}'s unsent minutes are shown; {storage.GetProperty("droppedRequests").GetInt64()} request(s) lost from analytics.");
        }

        if (report.GetProperty("truncated").GetBoolean())
        {
            text.AppendLine("TRUNCATED: the range held more rows than one query reads; narrow it.");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"{totals.GetProperty("requests").GetInt64()} requests ({totals.GetProperty("perSecond").GetDouble().ToString(CultureInfo.InvariantCulture)}/s), error rate {(totals.GetProperty("errorRate").GetDouble() * 100).ToString("0.##", CultureInfo.InvariantCulture)} %, percentiles within {(report.GetProperty("percentileRelativeError").GetDouble() * 100).ToString("0.##", CultureInfo.InvariantCulture)} %");
        text.AppendLine();

        var groupBy = report.GetProperty("groupBy").GetString()!;
        List<string[]> rows = [[groupBy, .. Header]];
        foreach (var group in report.GetProperty("groups").EnumerateArray())
        {
            var key = group.GetProperty("key").GetString();
            rows.Add([string.IsNullOrEmpty(key) ? (groupBy == "consumer" ? "(anonymous)" : "(no route)") : key!, .. Cells(group)]);
        }

        rows.Add(["total", .. Cells(totals)]);
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }

    private static string[] Cells(JsonElement group)
    {
        var status = group.GetProperty("status");
        var latency = group.GetProperty("latencyMs");
        return
        [
            Number(group.GetProperty("requests")),
            Number(status.GetProperty("2xx")), Number(status.GetProperty("3xx")), Number(status.GetProperty("4xx")), Number(status.GetProperty("5xx")),
            Number(group.GetProperty("rateLimited")),
            group.GetProperty("authFailures").EnumerateObject().Sum(p => p.Value.GetInt64()).ToString(CultureInfo.InvariantCulture),
            Number(group.GetProperty("upstreamErrors")),
            Number(latency.GetProperty("p50")), Number(latency.GetProperty("p95")), Number(latency.GetProperty("p99")),
        ];
    }

    private static string Number(JsonElement value) => value.ValueKind == JsonValueKind.Null ? "-" : value.GetRawText();
}
