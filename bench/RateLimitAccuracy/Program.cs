// Rate-limit accuracy and cost: four gateway instances, each with its own memory, share one Azurite; one hot key
// is driven at ten times its limit. For each counter store (and without rate limiting, for reference) it reports
// what was admitted against the limit, the Table storage requests per gateway request, latency, and the
// closed-loop throughput of the same route. See README.md beside this file.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Portico.Bench.RateLimit;

var settings = Settings.Parse(args);
var repository = BenchMachine.FindRepository();
using var azurite = await AzuriteServer.StartAsync(repository);
var loadBefore = BenchMachine.LoadAverage();
var setups = new List<ModeSetup>();
try
{
    var rows = new List<Row>();
    if (settings.Compare)
    {
        foreach (var mode in settings.Modes)
        {
            Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] {mode}: starting {settings.Instances} instances");
            setups.Add(await ModeSetup.StartAsync(mode, settings, azurite.ConnectionString, Registry(mode, settings)));
        }

        // Accuracy and cost: one store at a time, the hot key at ten times its limit.
        foreach (var setup in setups)
        {
            var before = setup.Counter.Requests;
            var fallbacksBefore = setup.Fallbacks;
            var open = await LoadRun.OpenLoopAsync(setup.Clients, "/hot", "hot-open", settings.Factor * settings.Rate, TimeSpan.FromSeconds(settings.Duration));
            var operations = setup.Counter.Requests - before;
            var limit = settings.Burst + (settings.Rate * open.Elapsed.TotalSeconds);
            rows.Add(new Row(setup.Mode, open, operations, limit) { Fallbacks = setup.Fallbacks - fallbacksBefore });
            Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] {setup.Mode}: admitted {open.Admitted} of {open.Sent} (limit {limit:0}), {operations} Table requests");
        }

        // Throughput: closed-loop rounds, the stores taking turns (A B C A B C ...), so drift on a busy machine hits
        // them alike; the median of the rounds is reported.
        for (int round = 0; round < settings.Rounds; round++)
        {
            foreach (var (setup, row) in setups.Zip(rows))
            {
                var before = setup.Counter.Requests;
                var under = await LoadRun.ClosedLoopAsync(setup.Clients, "/roomy", $"roomy-{round}", settings.Workers, TimeSpan.FromSeconds(settings.ThroughputSeconds));
                row.Under.Add((under, setup.Counter.Requests - before));
                before = setup.Counter.Requests;
                var over = await LoadRun.ClosedLoopAsync(setup.Clients, "/hot", "hot-closed", settings.Workers, TimeSpan.FromSeconds(settings.ThroughputSeconds));
                row.Rounds.Add((over, setup.Counter.Requests - before));
            }

            Console.Error.WriteLine($"[{TimeProvider.System.GetUtcNow():HH:mm:ss}] throughput round {round + 1}: {string.Join(", ", rows.Select(r => $"{r.Mode} {r.Under[^1].Result.PerSecond:0}/s under, {r.Rounds[^1].Result.PerSecond:0}/s over"))}");
        }

        foreach (var setup in setups)
        {
            await setup.DisposeAsync();
        }

        setups.Clear();
    }

    // The leased store across limits and instance counts, each on its own instances and table.
    var sweep = settings.Sweep ? await LimitSweep.RunAsync(settings, azurite.ConnectionString) : [];
    var goals = Goals(rows).Concat(LimitSweep.Goals(sweep)).ToList();
    var report = Report(settings, rows, sweep, goals, repository, loadBefore, BenchMachine.LoadAverage());
    Console.WriteLine(report);
    if (settings.Smoke)
    {
        // A smoke run is too short for the goals; it checks that every store answers only 200 and 429.
        // exact fails closed: on a busy machine a storage call slower than the timeout answers 503, which is allowed.
        var broken = rows.Where(r => r.Open.Admitted == 0
            || (r.Mode != "exact" && (r.Open.Other > 0 || r.Rounds.Any(x => x.Result.Other > 0) || r.Under.Any(x => x.Result.Other > 0 || x.Result.Limited > 0))))
            .Select(r => r.Mode)
            .Concat(sweep.Where(p => p.Open.Admitted == 0 || p.Open.Other > 0).Select(p => $"sweep {p.Rate}/s"))
            .ToList();
        Console.WriteLine(broken.Count == 0 ? "rate-limit bench smoke: passed" : $"rate-limit bench smoke: failed ({string.Join(", ", broken)})");
        return broken.Count == 0 ? 0 : 1;
    }

    var directory = Path.Combine(repository, "bench", "RateLimitAccuracy", "results");
    Directory.CreateDirectory(directory);
    var file = Path.Combine(directory, $"{TimeProvider.System.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.md");
    await File.WriteAllTextAsync(file, report);
    Console.Error.WriteLine($"report written to {Path.GetRelativePath(repository, file)}");
    return goals.All(g => g.Met) ? 0 : 1;
}
finally
{
    foreach (var setup in setups)
    {
        await setup.DisposeAsync();
    }
}

static string Registry(string mode, Settings settings)
{
    // /hot: the policy under test; /roomy: the same store with a limit no client here reaches (the cost of counting).
    var policy = mode == "none"
        ? ""
        : $$"""
          "rateLimitPolicies": [
            { "id": "hot", "key": ["header:X-Client"], "rate": { "requests": {{settings.Rate}}, "per": "1s", "burst": {{settings.Burst}} }, "store": "{{mode}}"{{(mode == "exact" ? ", \"onStorageFailure\": \"failClosed\"" : "")}} },
            { "id": "roomy", "key": ["header:X-Client"], "rate": { "requests": 1000000, "per": "1s" }, "store": "{{mode}}" }
          ],
        """;
    string Limit(string id) => mode == "none" ? "" : $$""", "rateLimit": { "policies": ["{{id}}"] }""";
    return $$"""
    {
      {{policy}}
      "routes": [
        { "id": "hot", "auth": "anonymous", "match": { "path": "/hot" }, "static": { "body": "ok" }{{Limit("hot")}} },
        { "id": "roomy", "auth": "anonymous", "match": { "path": "/roomy" }, "static": { "body": "ok" }{{Limit("roomy")}} }
      ]
    }
    """;
}

static IEnumerable<(string Goal, bool Met)> Goals(List<Row> rows)
{
    var none = rows.FirstOrDefault(r => r.Mode == "none");
    if (rows.FirstOrDefault(r => r.Mode == "leased") is { } leased)
    {
        yield return ("leased admitted within ±5% of the limit", Math.Abs(leased.Ratio - 1) <= 0.05);
        yield return ("leased at most 0.05 Table requests per request", leased.OperationsPerRequest <= 0.05);
        if (none is not null)
        {
            yield return ("leased throughput at least 75% of the route without rate limiting, under the limit (median of per-round ratios)", Row.MedianRatio(leased.Under, none.Under) >= 0.75);
            yield return ("leased throughput at least 75% of the route without rate limiting, the hot key at its limit (median of per-round ratios)", Row.MedianRatio(leased.Rounds, none.Rounds) >= 0.75);
        }
    }

    if (rows.FirstOrDefault(r => r.Mode == "exact") is { } exact)
    {
        yield return ("exact never above the limit", exact.Open.Admitted <= exact.Limit);
    }
}

static string Report(Settings settings, List<Row> rows, List<LimitSweep.Point> sweep, List<(string Goal, bool Met)> goals, string repository, string loadBefore, string loadAfter)
{
    var builder = new StringBuilder();
    builder.AppendLine(CultureInfo.InvariantCulture, $"# Rate-limit accuracy and cost ({TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC)");
    builder.AppendLine();
    builder.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; commit {Git(repository, "rev-parse --short HEAD")}; load average {loadBefore} before, {loadAfter} after (other work on the machine lowers and scatters req/s){(settings.Smoke ? "; SMOKE RUN (too short for the goals)" : "")}.");
    builder.AppendLine();
    if (rows.Count > 0)
    {
        CompareReport(builder, settings, rows);
    }

    if (sweep.Count > 0)
    {
        LimitSweep.Report(builder, settings, sweep);
    }

    foreach (var (goal, met) in goals)
    {
        builder.AppendLine(CultureInfo.InvariantCulture, $"- {(met ? "met" : "NOT met")}: {goal}");
    }

    return builder.ToString();
}

static void CompareReport(StringBuilder builder, Settings settings, List<Row> rows)
{
    var none = rows.FirstOrDefault(r => r.Mode == "none");
    builder.AppendLine("## The stores compared");
    builder.AppendLine();
    builder.AppendLine(CultureInfo.InvariantCulture, $"{settings.Instances} gateway instances per store (each its own memory; all in one process) sharing one Azurite; one hot key; policy {settings.Rate} requests per second with a burst of {settings.Burst}, default lease settings. Open loop: {settings.Factor}× the rate ({settings.Factor * settings.Rate} requests/s, round-robin over the instances) for {settings.Duration} s. Closed loop: {settings.Workers} clients as fast as answers come, {settings.Rounds} rounds of {settings.ThroughputSeconds} s, the stores taking turns. A static route (no backend), so the gateway's own cost is what is compared.");
    builder.AppendLine();
    builder.AppendLine("| store | sent | admitted | limit | admitted/limit | other answers | decided without storage | Table requests | per request | p50 ms | p99 ms | req/s under the limit | vs none | req/s, hot key over it | vs none | Table requests per request (closed loop, under / over) |");
    builder.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var row in rows)
    {
        var limited = row.Mode != "none";
        var underVersus = none is null ? "" : Row.MedianRatio(row.Under, none.Under).ToString("P0", CultureInfo.InvariantCulture);
        var overVersus = none is null ? "" : Row.MedianRatio(row.Rounds, none.Rounds).ToString("P0", CultureInfo.InvariantCulture);
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"| {row.Mode} | {row.Open.Sent} | {row.Open.Admitted} | {(limited ? row.Limit.ToString("0", CultureInfo.InvariantCulture) : "–")} | {(limited ? row.Ratio.ToString("0.000", CultureInfo.InvariantCulture) : "–")} | {row.Open.Other} | {row.Fallbacks} | {row.OpenOperations} | {row.OperationsPerRequest:0.0000} | {row.Open.Percentile(0.5):0.0} | {row.Open.Percentile(0.99):0.0} | {Row.Median(row.Under):0} | {underVersus} | {Row.Median(row.Rounds):0} | {overVersus} | {Row.OperationsPerClosedRequest(row.Under):0.0000} / {Row.OperationsPerClosedRequest(row.Rounds):0.0000} |");
    }

    builder.AppendLine();
    builder.AppendLine("limit = burst + rate × the open-loop run (from the first request sent to the last answer). Table requests: every HTTP request the counter store sent (reads, conditional updates, inserts, 412/409 conflicts, heartbeats), counted by a pipeline policy in the storage client. `local` counts per instance, so four instances admit four limits. `exact` fails closed (a storage call slower than the 1 s timeout answers 503, counted in other answers), so its count is never above the limit; `leased` fails open (decided without storage: local limits at the instance's share). Under the limit: the same store with a limit of a million requests a second, so every answer is a 200 (the cost of counting); over it: the hot key, nearly every answer a 429 problem (the cost of refusing; the route without rate limiting still answers 200). The load generator runs in the same process, so answers with more headers and a larger body also cost it more.");
    builder.AppendLine();
}

static string Git(string repository, string arguments)
{
    try
    {
        var start = new ProcessStartInfo("git", arguments) { WorkingDirectory = repository, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}

internal sealed record Row(string Mode, LoadRun.Result Open, long OpenOperations, double Limit)
{
    /// <summary>Open-loop decisions taken by the failure mode (storage failed or slower than its timeout).</summary>
    public long Fallbacks { get; init; }

    /// <summary>Closed-loop rounds under the limit (every answer admitted).</summary>
    public List<(LoadRun.Result Result, long Operations)> Under { get; } = [];

    /// <summary>Closed-loop rounds with the hot key over its limit.</summary>
    public List<(LoadRun.Result Result, long Operations)> Rounds { get; } = [];

    public double Ratio => Open.Admitted / Limit;

    public double OperationsPerRequest => Open.Sent == 0 ? 0 : OpenOperations / (double)Open.Sent;

    public static double Median(List<(LoadRun.Result Result, long Operations)> rounds) => Median(rounds.Select(r => r.Result.PerSecond));

    public static double OperationsPerClosedRequest(List<(LoadRun.Result Result, long Operations)> rounds) =>
        rounds.Sum(r => r.Result.Sent) is var sent and > 0 ? rounds.Sum(r => r.Operations) / (double)sent : 0;

    /// <summary>The median over rounds of one store's req/s divided by the reference's in the same round.</summary>
    public static double MedianRatio(List<(LoadRun.Result Result, long Operations)> rounds, List<(LoadRun.Result Result, long Operations)> reference) =>
        Median(rounds.Zip(reference, (a, b) => a.Result.PerSecond / b.Result.PerSecond));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal sealed record Settings(string[] Modes, int Instances, int Rate, int Burst, int Factor, int Duration, int Workers, int ThroughputSeconds, int Rounds, bool Smoke)
{
    /// <summary>Whether to run the comparison of the stores (off with <c>--sweep-only</c>).</summary>
    public bool Compare { get; init; } = true;

    /// <summary>Whether to run the leased sweep across limits (off with <c>--no-sweep</c>).</summary>
    public bool Sweep { get; init; } = true;

    /// <summary>The limits of the sweep, requests per second.</summary>
    public int[] Limits { get; init; } = [];

    /// <summary>The instance counts of the sweep.</summary>
    public int[] SweepInstances { get; init; } = [];

    public static Settings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--smoke" or "--sweep-only" or "--no-sweep")
            {
                flags.Add(args[i][2..]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i][2..]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unknown argument '{args[i]}'; see bench/RateLimitAccuracy/README.md");
            }
        }

        var smoke = flags.Contains("smoke");
        int Int(string name, int full, int quick) =>
            values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : smoke ? quick : full;
        int[] Ints(string name, int[] full, int[] quick) =>
            values.TryGetValue(name, out var v) ? [.. v.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))] : smoke ? quick : full;

        var modes = values.TryGetValue("modes", out var m) ? m.Split(',') : ["none", "local", "exact", "leased"];
        return new Settings(modes, Int("instances", 4, 4), Int("rate", 100, 50), Int("burst", 100, 50), Int("factor", 10, 10),
            Int("duration", 30, 3), Int("workers", 32, 8), Int("throughput-seconds", 3, 1), Int("rounds", 7, 1), smoke)
        {
            Compare = !flags.Contains("sweep-only"),
            Sweep = !flags.Contains("no-sweep"),
            Limits = Ints("limits", [1, 5, 20, 100], [5]),
            SweepInstances = Ints("sweep-instances", [2, 4], [2]),
        };
    }
}
