using System.Globalization;
using System.Text;

namespace Portico.Bench.RateLimit;

/// <summary>
/// The leased store across limits and instance counts (issue 23): for each limit (requests per second, burst equal
/// to it) and each number of instances, one hot key at <see cref="Settings.Factor"/> times its limit, open loop,
/// on a fresh counter table. It reports what was admitted against the limit and the Table requests per request,
/// those of the key's counter apart from the instances' heartbeats (which cost per instance, whatever the traffic).
/// </summary>
internal static class LimitSweep
{
    /// <summary>Fewest tokens a run's limit should hold, so ±5 % is more than a token or two: slow limits run longer.</summary>
    private const int MinTokens = 100;

    public sealed record Point(int Rate, int Instances, LoadRun.Result Open, long Counter, long Background, double Limit, long Fallbacks)
    {
        public double Ratio => Open.Admitted / Limit;

        public double CounterPerRequest => Open.Sent == 0 ? 0 : Counter / (double)Open.Sent;

        public double AllPerRequest => Open.Sent == 0 ? 0 : (Counter + Background) / (double)Open.Sent;

        /// <summary>The key's counter requests per second of the run.</summary>
        public double CounterPerSecond => Counter / Open.Elapsed.TotalSeconds;
    }

    public static async Task<List<Point>> RunAsync(Settings settings, string connection)
    {
        var points = new List<Point>();
        foreach (var instances in settings.SweepInstances)
        {
            foreach (var rate in settings.Limits)
            {
                var run = settings with { Instances = instances, Rate = rate, Burst = rate };
                var seconds = settings.Smoke ? settings.Duration : Math.Max(settings.Duration, (int)Math.Ceiling(MinTokens / (double)rate));
                Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] sweep: leased, {rate}/s, {instances} instances, {seconds} s");
                await using var setup = await ModeSetup.StartAsync("leased", run, connection, Registry(rate));
                var (before, backgroundBefore, fallbacksBefore) = (setup.Counter.Requests, setup.Counter.Background, setup.Fallbacks);
                var open = await LoadRun.OpenLoopAsync(setup.Clients, "/hot", "hot-open", settings.Factor * rate, TimeSpan.FromSeconds(seconds));
                var background = setup.Counter.Background - backgroundBefore;
                var counter = setup.Counter.Requests - before - background;
                var point = new Point(rate, instances, open, counter, background, rate + (rate * open.Elapsed.TotalSeconds), setup.Fallbacks - fallbacksBefore);
                points.Add(point);
                Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] sweep: admitted {open.Admitted} of {open.Sent} (limit {point.Limit:0}), {counter} counter and {background} heartbeat requests");
            }
        }

        return points;
    }

    public static IEnumerable<(string Goal, bool Met)> Goals(List<Point> points)
    {
        foreach (var point in points)
        {
            yield return ($"sweep {point.Rate}/s, {point.Instances} instances: admitted within ±5% of the limit", Math.Abs(point.Ratio - 1) <= 0.05);
            yield return ($"sweep {point.Rate}/s, {point.Instances} instances: at most 0.05 counter Table requests per request", point.CounterPerRequest <= 0.05);
        }
    }

    public static void Report(StringBuilder builder, Settings settings, List<Point> points)
    {
        builder.AppendLine(CultureInfo.InvariantCulture, $"## Leased across limits ({settings.Factor}× overload)");
        builder.AppendLine();
        builder.AppendLine(CultureInfo.InvariantCulture, $"One hot key at {settings.Factor}× its limit, open loop, round-robin over the instances; policy `rate: {{ requests: R, per: 1s }}` (burst R), default lease settings; each run at least {settings.Duration} s and long enough for {MinTokens} tokens; a fresh counter table per run.");
        builder.AppendLine();
        builder.AppendLine("| limit /s | instances | seconds | sent | admitted | limit | admitted/limit | other answers | decided without storage | counter requests | per request | per second | heartbeat requests | all per request |");
        builder.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in points)
        {
            builder.AppendLine(CultureInfo.InvariantCulture,
                $"| {p.Rate} | {p.Instances} | {p.Open.Elapsed.TotalSeconds:0} | {p.Open.Sent} | {p.Open.Admitted} | {p.Limit:0} | {p.Ratio:0.000} | {p.Open.Other} | {p.Fallbacks} | {p.Counter} | {p.CounterPerRequest:0.0000} | {p.CounterPerSecond:0.00} | {p.Background} | {p.AllPerRequest:0.0000} |");
        }

        builder.AppendLine();
        builder.AppendLine("limit = burst + rate × the run (from the first request sent to the last answer). Counter requests: every Table request for the key's counter (reads, conditional updates, 412 conflicts, lease returns); heartbeat requests: each instance's upsert and query every `Portico:RateLimiting:HeartbeatInterval` (10 s), the same with one key or a million.");
        builder.AppendLine();
    }

    private static string Registry(int rate) => $$"""
    {
      "rateLimitPolicies": [
        { "id": "hot", "key": ["header:X-Client"], "rate": { "requests": {{rate}}, "per": "1s" }, "store": "leased" },
        { "id": "roomy", "key": ["header:X-Client"], "rate": { "requests": 1000000, "per": "1s" }, "store": "leased" }
      ],
      "routes": [
        { "id": "hot", "auth": "anonymous", "match": { "path": "/hot" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["hot"] } },
        { "id": "roomy", "auth": "anonymous", "match": { "path": "/roomy" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["roomy"] } }
      ]
    }
    """;
}
