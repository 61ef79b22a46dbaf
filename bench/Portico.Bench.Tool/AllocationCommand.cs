using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portico.Bench.Tool;

/// <summary>
/// Turns one allocation pass into bytes allocated per request: the .NET runtime's own allocation counter
/// (<c>dotnet.gc.heap.total_allocated</c>, read once a second by <c>dotnet-counters collect --format json</c> while wrk
/// drove the server) averaged over the whole seconds that fell inside wrk's run, divided by wrk's request rate over
/// that run. Everything the process allocated counts, the access log's writer and timers included, as it does for
/// bare YARP (issue 25: allocation per plain request at most 1.2x bare YARP's).
/// </summary>
internal static class AllocationCommand
{
    private const string CounterName = "dotnet.gc.heap.total_allocated";

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        var inv = CultureInfo.InvariantCulture;
        var start = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(options.Get("--start"), inv) * 1000));
        var end = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(options.Get("--end"), inv) * 1000));
        var requests = long.Parse(options.Get("--requests"), inv);
        var interval = TimeSpan.FromSeconds(double.Parse(options.Get("--interval", "1"), inv));

        using var counters = JsonDocument.Parse(File.ReadAllText(options.Get("--counters")));
        // Each sample is the bytes allocated in the interval that ends at its timestamp: keep those wholly inside the run.
        var rates = counters.RootElement.GetProperty("Events").EnumerateArray()
            .Where(e => e.GetProperty("name").GetString()!.StartsWith(CounterName, StringComparison.Ordinal))
            .Select(e => (At: e.GetProperty("timestamp").GetDateTimeOffset(), BytesPerSecond: e.GetProperty("value").GetDouble()))
            .Where(s => s.At - interval >= start && s.At <= end)
            .Select(s => s.BytesPerSecond)
            .ToList();
        var seconds = (end - start).TotalSeconds;
        if (rates.Count < 3 || requests <= 0 || seconds <= 0)
        {
            Console.Error.WriteLine($"bench allocations: {rates.Count} counter samples inside the run and {requests} requests: too few to measure");
            return 1;
        }

        var bytesPerRequest = rates.Average() / (requests / seconds);
        var record = new JsonObject
        {
            ["kind"] = "allocation",
            ["scenario"] = options.Get("--scenario"),
            ["target"] = options.Get("--target"),
            ["connections"] = int.Parse(options.Get("--connections"), inv),
            ["samples"] = rates.Count,
            ["requests"] = requests,
            ["seconds"] = Math.Round(seconds, 3),
            ["allocated_bytes_per_second"] = Math.Round(rates.Average(), 0),
            ["bytes_per_request"] = Math.Round(bytesPerRequest, 0),
            ["loadavg"] = double.Parse(options.Get("--loadavg", "0"), inv),
        };
        File.AppendAllText(options.Get("--out"), record.ToJsonString() + "\n");
        Console.Error.WriteLine($"bench allocations: {record["target"]}: {bytesPerRequest:0} bytes per request");
        return 0;
    }
}
