using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Portico.Bench.Tool;

/// <summary>
/// The report's allocation per request: the median of each .NET target's allocation passes (see
/// <see cref="AllocationCommand"/>), its ratio to bare YARP's in the same scenario, and issue 25's goal for it.
/// </summary>
internal static class AllocationSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static JsonArray Summarize(IEnumerable<JsonObject> records)
    {
        var result = new JsonArray();
        var list = records.ToList();
        foreach (var group in list.GroupBy(r => (Scenario: (string)r["scenario"]!, Connections: (int)r["connections"]!, Target: (string)r["target"]!)))
        {
            var median = ReportCommand.Median(group.Select(r => (double)r["bytes_per_request"]!));
            var baseline = list.Where(r => (string)r["scenario"]! == group.Key.Scenario && (int)r["connections"]! == group.Key.Connections
                && (string)r["target"]! == "baseline").Select(r => (double)r["bytes_per_request"]!).ToList();
            result.Add(new JsonObject
            {
                ["scenario"] = group.Key.Scenario,
                ["connections"] = group.Key.Connections,
                ["target"] = group.Key.Target,
                ["passes"] = group.Count(),
                ["bytes_per_request_median"] = Math.Round(median, 0),
                ["bytes_per_request_min"] = group.Min(r => (double)r["bytes_per_request"]!),
                ["bytes_per_request_max"] = group.Max(r => (double)r["bytes_per_request"]!),
                ["vs_baseline"] = baseline.Count > 0 && group.Key.Target != "baseline" ? Math.Round(median / ReportCommand.Median(baseline), 3) : null,
                ["loadavg_median"] = ReportCommand.Median(group.Select(r => (double)r["loadavg"]!)),
            });
        }

        return result;
    }

    /// <summary>Issue 25: allocation per plain request (plain-proxy, 64 connections, as shipped) at most 1.2x bare YARP's.</summary>
    public static JsonObject? Goal(JsonObject report)
    {
        var row = report["allocations"]?.AsArray().Select(a => a!.AsObject())
            .FirstOrDefault(a => (string)a["scenario"]! == "plain-proxy" && (int)a["connections"]! == 64 && (string)a["target"]! == "portico");
        if (row?["vs_baseline"] is not JsonValue ratioValue)
        {
            return null;
        }

        var ratio = ratioValue.GetValue<double>();
        return new JsonObject
        {
            ["goal"] = "plain-proxy, 64 connections, portico: bytes allocated per request at most 1.2x the baseline's",
            ["measured"] = $"{ratio.ToString("0.00", Inv)}x ({(double)row["bytes_per_request_median"]!:0} B)",
            ["met"] = ratio <= 1.2,
        };
    }

    public static void AppendMarkdown(StringBuilder md, JsonObject report)
    {
        if (report["allocations"] is not JsonArray rows || rows.Count == 0)
        {
            return;
        }

        md.AppendLine("## Allocation per request");
        md.AppendLine();
        md.AppendLine("Bytes the .NET runtime allocated per request (`dotnet.gc.heap.total_allocated`, read once a second by `dotnet-counters` from before to after wrk drove the server for one pass per target, the targets taking turns): the bytes of every counter interval that overlaps wrk's run or the two seconds after it (a sample's timestamp can trail its interval) divided by wrk's request count (a few seconds of idle allocation count too), the median of the passes. The whole process counts, as for bare YARP (for Portico the access log's writer too).");
        md.AppendLine();
        md.AppendLine("| scenario | connections | target | passes | bytes/request | min–max | vs baseline | load average |");
        md.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            var o = row!.AsObject();
            var ratio = o["vs_baseline"] is JsonValue v ? v.GetValue<double>().ToString("0.00", Inv) + "x" : "";
            md.AppendLine(Inv, $"| {o["scenario"]} | {o["connections"]} | {o["target"]} | {o["passes"]} | {(double)o["bytes_per_request_median"]!:0} | {(double)o["bytes_per_request_min"]!:0}–{(double)o["bytes_per_request_max"]!:0} | {ratio} | {(double)o["loadavg_median"]!:0.0} |");
        }

        md.AppendLine();
    }
}
