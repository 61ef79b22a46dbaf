using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portico.Bench.Tool;

/// <summary>
/// Turns one allocation pass into bytes allocated per request: the .NET runtime's own allocation counter
/// (<c>dotnet.gc.heap.total_allocated</c>, read once a second by <c>dotnet-counters collect --format json</c> from
/// before wrk started driving the server to after it stopped), summed over the intervals that overlap wrk's run (and
/// the two seconds after it, see below) and divided by wrk's request count. Everything the process allocated counts, the access log's writer and timers included, as it does for
/// bare YARP (issue 25: allocation per plain request at most 1.2x bare YARP's).
/// </summary>
internal static class AllocationCommand
{
    private const string CounterName = "dotnet.gc.heap.total_allocated";
    private static readonly TimeSpan TrailingMargin = TimeSpan.FromSeconds(2);

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        var inv = CultureInfo.InvariantCulture;
        var start = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(options.Get("--start"), inv) * 1000));
        var end = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(options.Get("--end"), inv) * 1000));
        var requests = long.Parse(options.Get("--requests"), inv);

        using var counters = JsonDocument.Parse(File.ReadAllText(options.Get("--counters")));
        var samples = counters.RootElement.GetProperty("Events").EnumerateArray()
            .Where(e => e.GetProperty("name").GetString()!.StartsWith(CounterName, StringComparison.Ordinal))
            .Select(e => (At: e.GetProperty("timestamp").GetDateTimeOffset(), Bytes: e.GetProperty("value").GetDouble()))
            .OrderBy(s => s.At)
            .ToList();
        // Each sample is the bytes allocated since the one before it. Every interval that overlaps the run counts whole:
        // all of the run's allocations, plus at most an interval of idle ones at each end (kilobytes against the run's
        // hundreds of megabytes), with no estimate of how many requests fell inside a window. So the session must have
        // sampled once before wrk started (the first interval's start is unknown) and once after it ended.
        // The window runs on past wrk's end by TrailingMargin: a sample's timestamp can trail the interval it measures.
        // Passes whose window held one more sample came out about 250 bytes per request higher, for bare YARP and
        // Portico alike, in two reports (2026-12-05T1249Z and T1536Z): a second of traffic, not of idleness, had been
        // stamped after wrk's end and left out of the other passes. The margin adds only idle seconds when it is not needed.
        var seconds = (end - start).TotalSeconds;
        var windowEnd = end + TrailingMargin;
        var covered = samples.Count > 1 && samples[0].At <= start && samples[^1].At >= windowEnd;
        var inRun = Enumerable.Range(1, Math.Max(0, samples.Count - 1))
            .Where(i => samples[i].At > start && samples[i - 1].At < windowEnd)
            .Select(i => samples[i].Bytes)
            .ToList();
        if (!covered || inRun.Count < 3 || requests <= 0 || seconds <= 0)
        {
            Console.Error.WriteLine($"bench allocations: the counter session did not cover the run ({samples.Count} samples, {inRun.Count} in the run, {requests} requests): no figure");
            return 1;
        }

        var allocated = inRun.Sum();
        var bytesPerRequest = allocated / requests;
        var record = new JsonObject
        {
            ["kind"] = "allocation",
            ["scenario"] = options.Get("--scenario"),
            ["target"] = options.Get("--target"),
            ["connections"] = int.Parse(options.Get("--connections"), inv),
            ["samples"] = inRun.Count,
            ["requests"] = requests,
            ["seconds"] = Math.Round(seconds, 3),
            ["allocated_bytes"] = Math.Round(allocated, 0),
            ["bytes_per_request"] = Math.Round(bytesPerRequest, 0),
            ["loadavg"] = double.Parse(options.Get("--loadavg", "0"), inv),
        };
        File.AppendAllText(options.Get("--out"), record.ToJsonString() + "\n");
        Console.Error.WriteLine($"bench allocations: {record["target"]}: {bytesPerRequest:0} bytes per request");
        return 0;
    }
}
