using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portico.Bench.Tool;

/// <summary>
/// Turns one run's raw measurements (JSON lines written by run.sh, wrk's done hook and the startup command)
/// into the Markdown report and its JSON twin under bench/results/, named by date and machine. Every number
/// in them comes from the raw file; nothing is typed in.
/// </summary>
internal static partial class ReportCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        var raw = options.Get("--raw");
        var outDir = options.Get("--out-dir");
        var settings = options.All("--setting")
            .Select(s => s.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

        var records = File.ReadLines(raw)
            .Where(l => l.Length > 0)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .ToList();

        var machine = Machine.Read(settings.GetValueOrDefault("wrk", "unknown"));
        var load = records.Where(r => Str(r, "kind") == "load").Select(LoadSample.From).ToList();
        var startup = records.Where(r => Str(r, "kind") == "startup").ToList();
        var memory = records.Where(r => Str(r, "kind") == "memory").ToList();
        var allocations = records.Where(r => Str(r, "kind") == "allocation").ToList();
        var skipped = records.Where(r => Str(r, "kind") == "skipped").ToList();
        var notes = records.Where(r => Str(r, "kind") == "note").ToList();
        var scenariosDir = options.Get("--scenarios-dir");
        var descriptions = load.Select(s => s.Scenario).Distinct()
            .ToDictionary(s => s, s => Scenario.Load(Path.Combine(scenariosDir, s)).Description);

        var report = new JsonObject
        {
            ["machine"] = machine.ToJson(),
            ["run"] = new JsonObject(settings.Where(s => s.Key != "wrk").Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))),
            ["scenarios"] = Scenarios(load, descriptions),
            ["startup"] = Startup(startup),
            ["startup_pairs"] = StartupPairs(startup, "portico-file-r2r", "baseline"),
            ["memory"] = Memory(memory),
            ["allocations"] = AllocationSection.Summarize(allocations),
            ["skipped"] = new JsonArray([.. skipped.Select(m => (JsonNode?)m.DeepClone())]),
            ["notes"] = new JsonArray([.. notes.Select(m => (JsonNode?)m.DeepClone())]),
        };
        report["goals"] = Goals(report);
        var busiest = load.Count > 0 ? load.Max(s => s.LoadAverage) : 0;
        report["machine_busy"] = busiest > machine.Cores + 1;
        report["highest_load_average"] = busiest;

        Directory.CreateDirectory(outDir);
        var stamp = settings.TryGetValue("started_utc", out var started) && DateTimeOffset.TryParse(started, Inv, DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime
            : TimeProvider.System.GetUtcNow().UtcDateTime;
        var name = $"{stamp:yyyy-MM-dd'T'HHmm'Z'}_{machine.Slug}";
        var jsonPath = Path.Combine(outDir, name + ".json");
        var mdPath = Path.Combine(outDir, name + ".md");
        File.WriteAllText(jsonPath, report.ToJsonString(Indented) + "\n");
        File.WriteAllText(mdPath, Markdown(report, name));
        Console.Out.WriteLine(mdPath);
        Console.Out.WriteLine(jsonPath);
        return 0;
    }

    private static JsonArray Scenarios(List<LoadSample> load, Dictionary<string, string> descriptions)
    {
        var result = new JsonArray();
        foreach (var scenario in load.Select(s => s.Scenario).Distinct())
        {
            var byConnections = new JsonArray();
            foreach (var connections in load.Where(s => s.Scenario == scenario).Select(s => s.Connections).Distinct().Order())
            {
                var samples = load.Where(s => s.Scenario == scenario && s.Connections == connections).ToList();
                var targets = new JsonObject();
                foreach (var target in samples.Select(s => s.Target).Distinct())
                {
                    var rounds = samples.Where(s => s.Target == target).ToList();
                    targets[target] = new JsonObject
                    {
                        ["rounds"] = rounds.Count,
                        ["rps_median"] = Round(Median(rounds.Select(r => r.Rps)), 0),
                        ["rps_min"] = Round(rounds.Min(r => r.Rps), 0),
                        ["rps_max"] = Round(rounds.Max(r => r.Rps), 0),
                        ["p50_ms_median"] = Round(Median(rounds.Select(r => r.P50Ms)), 3),
                        ["p99_ms_median"] = Round(Median(rounds.Select(r => r.P99Ms)), 3),
                        ["server_cpu_us_per_request_median"] = Round(Median(rounds.Select(r => r.CpuUsPerRequest)), 1),
                        ["loadavg_median"] = Round(Median(rounds.Select(r => r.LoadAverage)), 2),
                        ["requests"] = rounds.Sum(r => r.Requests),
                        ["status_errors"] = rounds.Sum(r => r.StatusErrors),
                        ["socket_errors"] = rounds.Sum(r => r.SocketErrors),
                    };
                }

                var ratios = new JsonObject();
                foreach (var (variant, reference) in new[]
                {
                    ("portico", "baseline"), ("portico", "direct"), ("portico-nolog", "baseline"), ("portico-nolog", "direct"),
                    ("portico-lean", "baseline"), ("portico-lean", "direct"), ("baseline", "direct"), (Scenario.ControlTarget, "baseline"),
                    ("portico-nolog", "portico-noresilience"), ("portico-waf", "portico-nolog"), ("portico-nolog", "portico-noanalytics"),
                    ("portico-cluster", "portico-nolog"),
                    ("functions", "portico"), ("functions-nolog", "portico-nolog"), ("functions", "direct"),
                    ("portico", "nginx"), ("portico", "haproxy"), ("portico-nolog", "nginx"), ("portico-nolog", "haproxy"),
                    ("portico-lean", "nginx"), ("portico-lean", "haproxy"), ("baseline", "nginx"), ("baseline", "haproxy"),
                    ("haproxy", "nginx"), ("nginx", "direct"), ("haproxy", "direct"),
                })
                {
                    if (targets[variant] is JsonObject p && targets[reference] is JsonObject r)
                    {
                        var rpsRatios = PerRoundRatios(samples, variant, reference, s => s.Rps);
                        var ratio = new JsonObject
                        {
                            ["rps_ratio"] = Round(Num(p, "rps_median") / Num(r, "rps_median"), 3),
                            ["rps_ratio_paired_median"] = Round(Median(rpsRatios), 3),
                            ["p50_delta_ms"] = Round(Num(p, "p50_ms_median") - Num(r, "p50_ms_median"), 3),
                            ["p99_delta_ms"] = Round(Num(p, "p99_ms_median") - Num(r, "p99_ms_median"), 3),
                            ["server_cpu_per_request_ratio"] = Round(Num(p, "server_cpu_us_per_request_median") / Num(r, "server_cpu_us_per_request_median"), 3),
                            ["server_cpu_per_request_ratio_paired_median"] = Round(Median(PerRoundRatios(samples, variant, reference, s => s.CpuUsPerRequest)), 3),
                            ["rps_ratio_paired_min"] = Round(rpsRatios.Min(), 3),
                            ["rps_ratio_paired_max"] = Round(rpsRatios.Max(), 3),
                        };
                        if (ByLifetime(samples, variant, reference) is { } byLifetime)
                        {
                            ratio["by_lifetime"] = byLifetime;
                        }

                        ratios[$"{variant}/{reference}"] = ratio;
                    }
                }

                byConnections.Add(new JsonObject { ["connections"] = connections, ["targets"] = targets, ["ratios"] = ratios });
            }

            result.Add(new JsonObject
            {
                ["name"] = scenario,
                ["description"] = descriptions.GetValueOrDefault(scenario, ""),
                ["runs"] = byConnections,
            });
        }

        return result;
    }

    // Each round runs the targets back to back, so the ratio within a round is measured under the same load on
    // the machine; the median of those ratios resists drift better than the ratio of the medians, whose two
    // medians may come from rounds under different loads. Used for req/s and for CPU per request alike.
    private static List<double> PerRoundRatios(List<LoadSample> samples, string variant, string reference, Func<LoadSample, double> measure) =>
        samples.Where(s => s.Target == variant)
            .Join(samples.Where(s => s.Target == reference), s => s.Round, s => s.Round, (v, r) => measure(v) / measure(r))
            .ToList();

    // With the rounds spread over several process lifetimes (run.sh --lifetimes), the paired medians of each lifetime:
    // how far apart new processes of the same builds put the ratio. Null with one lifetime.
    private static JsonArray? ByLifetime(List<LoadSample> samples, string variant, string reference)
    {
        var lifetimes = samples.Where(s => s.Target == variant).Select(s => s.Lifetime).Distinct().Order().ToList();
        if (lifetimes.Count < 2)
        {
            return null;
        }

        var result = new JsonArray();
        foreach (var lifetime in lifetimes)
        {
            var within = samples.Where(s => s.Lifetime == lifetime).ToList();
            var rps = PerRoundRatios(within, variant, reference, s => s.Rps);
            if (rps.Count == 0)
            {
                continue;
            }

            result.Add(new JsonObject
            {
                ["lifetime"] = lifetime,
                ["rounds"] = rps.Count,
                ["rps_ratio_paired_median"] = Round(Median(rps), 3),
                ["server_cpu_per_request_ratio_paired_median"] = Round(Median(PerRoundRatios(within, variant, reference, s => s.CpuUsPerRequest)), 3),
            });
        }

        return result;
    }

    // One row per scenario and process: its resident set when idle (after the check's single request, before any
    // load; records without a phase come from runs before idle was recorded), its peak (VmHWM: the highest over its
    // lifetimes when run.sh restarted it) and its resident set at the end.
    private static JsonArray Memory(List<JsonObject> memory)
    {
        var result = new JsonArray();
        foreach (var group in memory.GroupBy(m => (Scenario: Str(m, "scenario"), Target: Str(m, "target"))))
        {
            var idle = group.FirstOrDefault(m => Str(m, "phase") == "idle");
            var end = group.LastOrDefault(m => Str(m, "phase") != "idle");
            result.Add(new JsonObject
            {
                ["scenario"] = group.Key.Scenario,
                ["target"] = group.Key.Target,
                ["idle_vmrss_kb"] = idle is null ? null : Num(idle, "vmrss_kb"),
                ["vmhwm_kb"] = end is null ? null : group.Where(m => Str(m, "phase") != "idle").Max(m => Num(m, "vmhwm_kb")),
                ["vmrss_kb"] = end is null ? null : Num(end, "vmrss_kb"),
            });
        }

        return result;
    }

    // The full run starts bare YARP and the published build in turns, one start each (run.sh): the k-th start of one
    // and the k-th of the other form a pair measured under the same conditions. The median of the pairs' differences
    // is the paired figure; the difference of the two medians is kept beside it.
    private static JsonObject? StartupPairs(List<JsonObject> startup, string variant, string reference)
    {
        var v = startup.Where(s => Str(s, "name") == variant).Select(s => Num(s, "first_answer_ms")).ToList();
        var r = startup.Where(s => Str(s, "name") == reference).Select(s => Num(s, "first_answer_ms")).ToList();
        if (v.Count == 0 || v.Count != r.Count)
        {
            return null;
        }

        var differences = v.Zip(r, (a, b) => a - b).ToList();
        return new JsonObject
        {
            ["variant"] = variant,
            ["reference"] = reference,
            ["pairs"] = differences.Count,
            ["difference_ms_median"] = Round(Median(differences), 0),
            ["difference_ms_min"] = Round(differences.Min(), 0),
            ["difference_ms_max"] = Round(differences.Max(), 0),
            ["difference_of_medians_ms"] = Round(Median(v) - Median(r), 0),
        };
    }

    private static JsonArray Startup(List<JsonObject> startup)
    {
        var result = new JsonArray();
        foreach (var name in startup.Select(s => Str(s, "name")!).Distinct())
        {
            var runs = startup.Where(s => Str(s, "name") == name).ToList();
            var first = runs.Select(r => Num(r, "first_answer_ms")).ToList();
            var listening = runs.Where(r => r["listening_ms"] is not null).Select(r => Num(r, "listening_ms")).ToList();
            result.Add(new JsonObject
            {
                ["name"] = name,
                ["runs"] = runs.Count,
                ["first_answer_ms_median"] = Round(Median(first), 0),
                ["first_answer_ms_min"] = Round(first.Min(), 0),
                ["first_answer_ms_max"] = Round(first.Max(), 0),
                ["listening_ms_median"] = listening.Count > 0 ? Round(Median(listening), 0) : null,
                ["vmhwm_kb_median"] = Round(Median(runs.Where(r => r["vmhwm_kb"] is not null).Select(r => Num(r, "vmhwm_kb"))), 0),
            });
        }

        return result;
    }

    private static JsonArray Goals(JsonObject report)
    {
        var goals = new JsonArray();
        var plain = report["scenarios"]!.AsArray().FirstOrDefault(s => Str(s!.AsObject(), "name") == "plain-proxy");
        var at64 = plain?["runs"]!.AsArray().FirstOrDefault(r => (int)r!["connections"]! == 64);
        foreach (var variant in new[] { "portico", "portico-nolog" })
        {
            if (at64?["ratios"]?[$"{variant}/baseline"] is JsonObject ratio)
            {
                var rps = (double)ratio["rps_ratio_paired_median"]!;
                var p99 = (double)ratio["p99_delta_ms"]!;
                goals.Add(Goal($"plain-proxy, 64 connections, {variant}: req/s at least 0.85x the baseline (median of per-round ratios)", rps.ToString("0.00", Inv) + "x", rps >= 0.85));
                goals.Add(Goal($"plain-proxy, 64 connections, {variant}: p99 at most 1 ms above the baseline", $"{p99:+0.00;-0.00} ms", p99 <= 1.0));
            }
        }

        // Issue 25: Portico's own cost over bare YARP, as shipped (access log on).
        if (at64?["ratios"]?["portico/baseline"] is JsonObject shipped)
        {
            var rps = (double)shipped["rps_ratio_paired_median"]!;
            var cpu = (double)shipped["server_cpu_per_request_ratio_paired_median"]!;
            var control = at64["ratios"]?[ControlRatio] as JsonObject;
            goals.Add(Goal("plain-proxy, 64 connections, portico: req/s at least 0.95x the baseline (median of per-round ratios)", rps.ToString("0.00", Inv) + "x" + (LifetimeRange(shipped, "rps_ratio_paired_median") is { Length: > 0 } range ? $" ({range})" : "") + ControlBeside(control, "rps_ratio_paired_median"), rps >= 0.95));
            goals.Add(Goal("plain-proxy, 64 connections, portico: server CPU per request at most 1.10x the baseline (median of per-round ratios)", CpuMeasured(shipped, LifetimeRange(shipped, "server_cpu_per_request_ratio_paired_median")) + ControlBeside(control, "server_cpu_per_request_ratio_paired_median"), cpu <= 1.10));
        }

        if (at64?["targets"]?["portico"] is JsonObject logged && at64["targets"]?["portico-nolog"] is JsonObject unlogged)
        {
            var us = (double)logged["server_cpu_us_per_request_median"]! - (double)unlogged["server_cpu_us_per_request_median"]!;
            goals.Add(Goal("plain-proxy, 64 connections: the access log at most 3 µs of CPU per request (portico minus portico-nolog)", us.ToString("0.0", Inv) + " µs", us <= 3));
        }

        var peakOf = (string scenario, string target) => report["memory"]!.AsArray()
            .FirstOrDefault(m => Str(m!.AsObject(), "scenario") == scenario && Str(m!.AsObject(), "target") == target)?["vmhwm_kb"]?.GetValue<double>();
        if (peakOf("plain-proxy", "portico") is { } porticoPeak && peakOf("(whole run)", "baseline") is { } baselinePeak && baselinePeak > 0)
        {
            var ratio = porticoPeak / baselinePeak;
            goals.Add(Goal("peak working set: portico (plain-proxy) at most 1.3x the baseline's", ratio.ToString("0.00", Inv) + "x", ratio <= 1.3));
        }

        // The resilience pipeline's cost: the same process configuration with the pipeline on and off, paired by round.
        var overhead = report["scenarios"]!.AsArray().FirstOrDefault(s => Str(s!.AsObject(), "name") == "resilience-overhead");
        var overheadAt64 = overhead?["runs"]!.AsArray().FirstOrDefault(r => (int)r!["connections"]! == 64);
        if (overheadAt64?["ratios"]?["portico-nolog/portico-noresilience"] is JsonObject pipeline)
        {
            var rps = (double)pipeline["rps_ratio_paired_median"]!;
            var cpu = (double)pipeline["server_cpu_per_request_ratio_paired_median"]!;
            goals.Add(Goal("resilience-overhead, 64 connections: req/s with the default resilience pipeline at least 0.95x without it (median of per-round ratios)", rps.ToString("0.000", Inv) + "x", rps >= 0.95));
            goals.Add(Goal("resilience-overhead, 64 connections: server CPU per request with the pipeline at most 1.05x without it (median of per-round ratios)", CpuMeasured(pipeline), cpu <= 1.05));
        }

        // Issue 15: four destinations behind one route against one, the same process configuration, paired by round.
        var cluster = report["scenarios"]!.AsArray().FirstOrDefault(s => Str(s!.AsObject(), "name") == "cluster-4");
        var clusterAt64 = cluster?["runs"]!.AsArray().FirstOrDefault(r => (int)r!["connections"]! == 64);
        if (clusterAt64?["ratios"]?["portico-cluster/portico-nolog"] is JsonObject balanced)
        {
            var rps = (double)balanced["rps_ratio_paired_median"]!;
            goals.Add(Goal("cluster-4, 64 connections: req/s with four destinations at least 0.95x one destination (median of per-round ratios)", rps.ToString("0.000", Inv) + "x", rps >= 0.95));
        }

        // Issue 25: everything a production route does (JWT, leased rate limit, access log, metrics) over bare YARP.
        var fullStack = report["scenarios"]!.AsArray().FirstOrDefault(s => Str(s!.AsObject(), "name") == "full-stack");
        var fullAt64 = fullStack?["runs"]!.AsArray().FirstOrDefault(r => (int)r!["connections"]! == 64);
        if (fullAt64?["ratios"]?["portico/baseline"] is JsonObject full)
        {
            var cpu = (double)full["server_cpu_per_request_ratio_paired_median"]!;
            var control = fullAt64!["ratios"]?[ControlRatio] as JsonObject;
            goals.Add(Goal("full-stack, 64 connections, portico: server CPU per request at most 1.35x the baseline (median of per-round ratios)", CpuMeasured(full) + ControlBeside(control, "server_cpu_per_request_ratio_paired_median"), cpu <= 1.35));
        }

        var startupOf = (string name) => report["startup"]!.AsArray().FirstOrDefault(s => Str(s!.AsObject(), "name") == name)?["first_answer_ms_median"]?.GetValue<double>();
        if (AllocationSection.Goal(report) is { } allocationGoal)
        {
            goals.Add(allocationGoal);
        }

        if (startupOf("portico-file") is { } file)
        {
            goals.Add(Goal("start-up to the first proxied 200, file store: under 1 s", $"{file:0} ms", file < 1000));
        }

        // Issue 25: the published build (self-contained, composite ReadyToRun: what the container runs) within bare YARP's start-up + 100 ms.
        if (report["startup_pairs"] is JsonObject paired)
        {
            var difference = Num(paired, "difference_ms_median");
            goals.Add(Goal(
                $"start-up of the published build (composite ReadyToRun) at most 100 ms after bare YARP's (median of {paired["pairs"]} paired starts)",
                string.Create(Inv, $"{difference:+0;-0} ms (difference of medians {Num(paired, "difference_of_medians_ms"):+0;-0} ms)"),
                difference <= 100));
        }
        else if (startupOf("portico-file-r2r") is { } published && startupOf("baseline") is { } yarp)
        {
            goals.Add(Goal("start-up of the published build (composite ReadyToRun) at most 100 ms after bare YARP's", $"{published - yarp:+0;-0} ms", published - yarp <= 100));
        }

        return goals;
    }

    private static JsonObject Goal(string goal, string value, bool met) => new() { ["goal"] = goal, ["measured"] = value, ["met"] = met };

    private const string ControlRatio = Scenario.ControlTarget + "/baseline";

    // The A/A control's figure (a second bare YARP against the first, the same rounds) beside a goal judged against
    // the baseline: how far apart this run measured two identical servers. The goal itself is judged as written.
    private static string ControlBeside(JsonObject? control, string measure) =>
        control is null ? "" : string.Create(Inv, $"; A/A control {Num(control, measure):0.00}x");

    // With several process lifetimes, the lowest and highest of their paired medians, shown beside the figure over all rounds.
    private static string LifetimeRange(JsonObject ratio, string measure) =>
        ratio["by_lifetime"] is JsonArray lifetimes && lifetimes.Count > 1
            ? string.Create(Inv, $"per process lifetime {lifetimes.Min(l => Num(l!.AsObject(), measure)):0.00}–{lifetimes.Max(l => Num(l!.AsObject(), measure)):0.00}x")
            : "";

    // A CPU goal is judged on the paired figure; the ratio of the medians is shown beside it, never hidden.
    private static string CpuMeasured(JsonObject ratio, string lifetimeRange = "") =>
        string.Create(Inv, $"{Num(ratio, "server_cpu_per_request_ratio_paired_median"):0.00}x (ratio of medians {Num(ratio, "server_cpu_per_request_ratio"):0.00}x{(lifetimeRange.Length > 0 ? "; " + lifetimeRange : "")})");

    private static string Markdown(JsonObject report, string name)
    {
        var md = new StringBuilder();
        var machine = report["machine"]!.AsObject();
        var run = report["run"]!.AsObject();
        md.AppendLine(Inv, $"# Portico load benchmark: {name}");
        md.AppendLine();
        md.AppendLine("Written by `bench/run.sh` from the measurements of one run; see bench/README.md for what each number means.");
        md.AppendLine();
        md.AppendLine("| machine | |");
        md.AppendLine("| --- | --- |");
        foreach (var (key, value) in machine)
        {
            md.AppendLine(Inv, $"| {key} | {value} |");
        }

        foreach (var (key, value) in run)
        {
            md.AppendLine(Inv, $"| {key.Replace('_', ' ')} | {value} |");
        }

        md.AppendLine();
        if ((bool)report["machine_busy"]!)
        {
            md.AppendLine(Inv, $"**The machine was busy with other work during this run**: its 1-minute load average reached {(double)report["highest_load_average"]!:0.0} on {machine["cores"]} cores. Requests per second and latencies are lower and noisier than this machine can do; the ratios between targets (measured back to back) and the CPU per request suffer much less.");
            md.AppendLine();
        }

        if (report["goals"]!.AsArray().Count > 0)
        {
            md.AppendLine("## Goals");
            md.AppendLine();
            md.AppendLine("| goal | measured | met |");
            md.AppendLine("| --- | ---: | :---: |");
            foreach (var goal in report["goals"]!.AsArray())
            {
                md.AppendLine(Inv, $"| {goal!["goal"]} | {goal["measured"]} | {((bool)goal["met"]! ? "yes" : "**no**")} |");
            }

            md.AppendLine();
        }

        foreach (var item in report["notes"]!.AsArray())
        {
            md.AppendLine(Inv, $"**{item!["scenario"]}**: {item["text"]}");
            md.AppendLine();
        }

        foreach (var skip in report["skipped"]!.AsArray())
        {
            md.AppendLine(Inv, $"**{skip!["target"]} was not measured in {skip["scenario"]}**: {skip["reason"]} (run.sh installs it with apt-get only when it runs as root).");
            md.AppendLine();
        }

        PeerTable(md, report);
        md.AppendLine("## Throughput and latency");
        md.AppendLine();
        md.AppendLine("Medians across rounds (targets alternate within each round). `baseline-control` is bare YARP again in a second process (the A/A control: its ratios to `baseline` show what this run cannot resolve). `portico` logs every request (the default); `portico-nolog` runs with `Logging__LogLevel__Portico.AccessLog=Warning`; `portico-lean` also with `Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics=None` (which the shipped defaults already set: a check that it stays level with `portico-nolog`); `portico-noresilience` is `portico-nolog` with `Portico__Resilience__Enabled=false` (no resilience pipeline); `functions` is the same engine as the Functions app, its worker process under the repository's Functions test host (not the Azure Functions host: absolute figures differ in Azure), with the access log on, `functions-nolog` with it off. Server CPU: user and system time of the process that answers (Portico, the baseline, or the backend for `direct`; for `functions*` the test host and the worker together) per request, from /proc; the backend's share behind a proxy is not included. Load average: the machine's 1-minute load after each round, median (above 2 the machine was busy with more than this run). Errors: answers with status 400 or more, and socket errors (connect, read, write, timeout), summed over all rounds.");
        md.AppendLine();
        foreach (var scenario in report["scenarios"]!.AsArray())
        {
            md.AppendLine(Inv, $"### {scenario!["name"]}");
            md.AppendLine();
            if (Str(scenario.AsObject(), "description") is { Length: > 0 } description)
            {
                md.AppendLine(description);
                md.AppendLine();
            }

            md.AppendLine("| connections | target | req/s | req/s min–max | p50 ms | p99 ms | server CPU µs/request | status ≥400 | socket errors | load average |");
            md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var byConnections in scenario["runs"]!.AsArray())
            {
                foreach (var (target, node) in byConnections!["targets"]!.AsObject())
                {
                    var t = node!.AsObject();
                    md.AppendLine(Inv, $"| {byConnections["connections"]} | {target} | {Num(t, "rps_median"):0} | {Num(t, "rps_min"):0}–{Num(t, "rps_max"):0} | {Num(t, "p50_ms_median"):0.00} | {Num(t, "p99_ms_median"):0.00} | {Num(t, "server_cpu_us_per_request_median"):0.0} | {t["status_errors"]} | {t["socket_errors"]} | {Num(t, "loadavg_median"):0.0} |");
                }
            }

            md.AppendLine();
            foreach (var byConnections in scenario["runs"]!.AsArray())
            {
                if (byConnections!["ratios"]![ControlRatio] is JsonObject control)
                {
                    md.AppendLine(Inv, $"**A/A control, {byConnections["connections"]} connections**: `baseline-control` is a second bare YARP process, the same build and arguments as `baseline`, taking its turn in the same rounds. Against `baseline` it measured {Num(control, "rps_ratio_paired_median"):0.00}x the req/s (per-round ratios {Num(control, "rps_ratio_paired_min"):0.00} to {Num(control, "rps_ratio_paired_max"):0.00}x) at {Num(control, "server_cpu_per_request_ratio_paired_median"):0.00}x the CPU per request: a difference of that size between Portico and `baseline` is one this run cannot tell from none.");
                    md.AppendLine();
                }
            }

            LifetimeTable(md, scenario.AsObject());
            md.AppendLine("| connections | comparison | req/s ratio (paired by round) | req/s ratio (of medians) | p50 difference | p99 difference | server CPU per request (paired by round) | server CPU per request (of medians) |");
            md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var byConnections in scenario["runs"]!.AsArray())
            {
                foreach (var (comparison, node) in byConnections!["ratios"]!.AsObject())
                {
                    var r = node!.AsObject();
                    md.AppendLine(Inv, $"| {byConnections["connections"]} | {comparison} | {Num(r, "rps_ratio_paired_median"):0.00}x | {Num(r, "rps_ratio"):0.00}x | {Num(r, "p50_delta_ms"):+0.00;-0.00;0.00} ms | {Num(r, "p99_delta_ms"):+0.00;-0.00;0.00} ms | {Num(r, "server_cpu_per_request_ratio_paired_median"):0.00}x | {Num(r, "server_cpu_per_request_ratio"):0.00}x |");
                }
            }

            md.AppendLine();
        }

        if (report["startup"]!.AsArray().Count > 0)
        {
            md.AppendLine("## Start-up");
            md.AppendLine();
            md.AppendLine("From just before the process starts to the first answer with the expected status (for Portico a proxied 200 from the backend), a new process each run, after one unrecorded warm-up start. Peak working set is VmHWM at that moment. `functions-worker`: a fresh Functions worker process under the already running test host (not the Azure Functions host), from its process start to the first proxied 200 through the host; its \"listening\" column is when the worker had loaded its functions.");
            md.AppendLine();
            md.AppendLine("| variant | runs | median ms | min–max ms | \"listening\" line ms | peak working set MiB |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var s in report["startup"]!.AsArray())
            {
                var o = s!.AsObject();
                var listening = o["listening_ms_median"] is null ? "–" : Num(o, "listening_ms_median").ToString("0", Inv);
                md.AppendLine(Inv, $"| {o["name"]} | {o["runs"]} | {Num(o, "first_answer_ms_median"):0} | {Num(o, "first_answer_ms_min"):0}–{Num(o, "first_answer_ms_max"):0} | {listening} | {Num(o, "vmhwm_kb_median") / 1024:0.0} |");
            }

            md.AppendLine();
            if (report["startup_pairs"] is JsonObject paired)
            {
                md.AppendLine(Inv, $"`{paired["variant"]}` against `{paired["reference"]}`, started in turns: the median of the {paired["pairs"]} pairs' differences is {Num(paired, "difference_ms_median"):+0;-0} ms (pairs {Num(paired, "difference_ms_min"):+0;-0} to {Num(paired, "difference_ms_max"):+0;-0} ms); the difference of the two medians is {Num(paired, "difference_of_medians_ms"):+0;-0} ms.");
                md.AppendLine();
            }
        }

        AllocationSection.AppendMarkdown(md, report);
        if (report["memory"]!.AsArray().Count > 0)
        {
            md.AppendLine("## Memory under load");
            md.AppendLine();
            md.AppendLine("Resident memory of each server: idle (VmRSS after the one request that checks its answer, before any load), its peak over its whole life (VmHWM) and at the end. Portico and the peers run one process per scenario and lifetime, the baseline one per lifetime (its idle figure is from before the first scenario), the backend one for the whole run; a peak is the highest over a target's lifetimes. For nginx, the master and its workers together (the peak is the sum of each process's peak).");
            md.AppendLine();
            md.AppendLine("| scenario | process | idle MiB | peak working set MiB | working set at the end MiB |");
            md.AppendLine("| --- | --- | ---: | ---: | ---: |");
            foreach (var m in report["memory"]!.AsArray())
            {
                var o = m!.AsObject();
                md.AppendLine(Inv, $"| {o["scenario"]} | {o["target"]} | {Mib(o, "idle_vmrss_kb")} | {Mib(o, "vmhwm_kb")} | {Mib(o, "vmrss_kb")} |");
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    // The comparisons against the baseline, lifetime by lifetime, when run.sh restarted the targets during the scenario.
    private static void LifetimeTable(StringBuilder md, JsonObject scenario)
    {
        var rows = new List<string>();
        var columns = 0;
        foreach (var byConnections in scenario["runs"]!.AsArray())
        {
            foreach (var (comparison, node) in byConnections!["ratios"]!.AsObject())
            {
                if (!comparison.EndsWith("/baseline", StringComparison.Ordinal) || node!["by_lifetime"] is not JsonArray lifetimes)
                {
                    continue;
                }

                columns = Math.Max(columns, lifetimes.Count);
                var cells = lifetimes.Select(l => string.Create(Inv, $"{Num(l!.AsObject(), "rps_ratio_paired_median"):0.00}x at {Num(l.AsObject(), "server_cpu_per_request_ratio_paired_median"):0.00}x ({l["rounds"]})"));
                rows.Add(string.Create(Inv, $"| {byConnections["connections"]} | {comparison} | {string.Join(" | ", cells)} |"));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("**Process lifetimes**: the rounds ran in several lifetimes of the targets; between them every target, the baseline included, was stopped, started anew and warmed up again. Per lifetime, the median of its per-round ratios against `baseline`: req/s at CPU per request (rounds). Lifetimes are counted within each connection count; the first at a connection count continues the processes of the last at the one before. Their spread is what a single pair of processes cannot show.");
        md.AppendLine();
        md.AppendLine("| connections | comparison | " + string.Join(" | ", Enumerable.Range(1, columns).Select(i => $"lifetime {i}")) + " |");
        md.AppendLine("| ---: | --- |" + string.Concat(Enumerable.Repeat(" ---: |", columns)));
        foreach (var row in rows)
        {
            md.AppendLine(row);
        }

        md.AppendLine();
    }

    // Every Portico target beside bare YARP, nginx and HAProxy, in the scenarios that ran the peers (issue 25).
    private static void PeerTable(StringBuilder md, JsonObject report)
    {
        var rows = new List<string>();
        foreach (var scenario in report["scenarios"]!.AsArray())
        {
            foreach (var byConnections in scenario!["runs"]!.AsArray())
            {
                var ratios = byConnections!["ratios"]!.AsObject();
                foreach (var variant in new[] { "portico", "portico-nolog", "portico-lean" })
                {
                    if (ratios[$"{variant}/nginx"] is null && ratios[$"{variant}/haproxy"] is null)
                    {
                        continue;
                    }

                    string Cell(string reference) => ratios[$"{variant}/{reference}"] is JsonObject r
                        ? $"{Num(r, "rps_ratio_paired_median"):0.00}x | {Num(r, "server_cpu_per_request_ratio_paired_median"):0.00}x"
                        : "– | –";
                    rows.Add(string.Create(Inv, $"| {scenario["name"]} | {byConnections["connections"]} | {variant} | {Cell("baseline")} | {Cell("nginx")} | {Cell("haproxy")} |"));
                }
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("## Against the peers");
        md.AppendLine();
        md.AppendLine("Each Portico target against bare YARP (`baseline`), nginx and HAProxy in the same rounds: req/s and server CPU per request each as the median of the per-round ratios (above 1.00x Portico uses more CPU per request; the ratios of the medians are in each scenario's table).");
        md.AppendLine();
        md.AppendLine("| scenario | connections | target | req/s vs baseline | CPU/request vs baseline | req/s vs nginx | CPU/request vs nginx | req/s vs HAProxy | CPU/request vs HAProxy |");
        md.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            md.AppendLine(row);
        }

        md.AppendLine();
    }

    private static string Mib(JsonObject o, string name) => o[name] is null ? "–" : (Num(o, name) / 1024).ToString("0.0", Inv);

    private static string? Str(JsonObject o, string name) => o[name]?.GetValue<string>();

    private static double Num(JsonObject o, string name) => o[name]!.GetValue<double>();

    private static double Round(double value, int digits) => Math.Round(value, digits);

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    // Lifetime: which process lifetime of the targets the round ran in (1 in runs before run.sh restarted targets).
    private sealed record LoadSample(
        string Scenario, string Target, int Connections, int Round, int Lifetime, double Rps, double P50Ms, double P99Ms, long Requests, long StatusErrors,
        long SocketErrors, double CpuUsPerRequest, double LoadAverage)
    {
        public static LoadSample From(JsonObject r)
        {
            var requests = r["requests"]!.GetValue<long>();
            var seconds = r["duration_us"]!.GetValue<double>() / 1e6;
            var cpuSeconds = r["server_cpu_ticks"]!.GetValue<double>() / r["clk_tck"]!.GetValue<double>();
            return new LoadSample(
                Str(r, "scenario")!, Str(r, "target")!, r["connections"]!.GetValue<int>(), r["round"]!.GetValue<int>(),
                r["lifetime"]?.GetValue<int>() ?? 1,
                requests / seconds,
                r["p50_us"]!.GetValue<double>() / 1000,
                r["p99_us"]!.GetValue<double>() / 1000,
                requests,
                r["status_errors"]!.GetValue<long>(),
                r["connect_errors"]!.GetValue<long>() + r["read_errors"]!.GetValue<long>() + r["write_errors"]!.GetValue<long>() + r["timeouts"]!.GetValue<long>(),
                requests > 0 ? cpuSeconds * 1e6 / requests : double.NaN,
                r["loadavg"]!.GetValue<double>());
        }
    }

    private sealed record Machine(string Cpu, int Cores, double MemoryGib, string Kernel, string Dotnet, string Wrk)
    {
        public string Slug => $"{Slugify(Cpu)}_{Cores}c_dotnet-{Dotnet}_wrk-{(VersionPattern().Match(Wrk) is { Success: true } m ? m.Value : Slugify(Wrk))}";

        public static Machine Read(string wrk)
        {
            var cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
            var memKb = ReadField("/proc/meminfo", "MemTotal") is { } mem ? double.Parse(mem.Split(' ')[0], Inv) : 0;
            var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
            return new Machine(cpu, Environment.ProcessorCount, Math.Round(memKb / 1024 / 1024, 1), kernel, Environment.Version.ToString(), wrk);
        }

        public JsonObject ToJson() => new()
        {
            ["cpu"] = Cpu,
            ["cores"] = Cores,
            ["memory_gib"] = MemoryGib,
            ["kernel"] = Kernel,
            ["dotnet"] = Dotnet,
            ["wrk"] = Wrk,
        };

        private static string? ReadField(string file, string name)
        {
            if (!File.Exists(file))
            {
                return null;
            }

            return File.ReadLines(file)
                .Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }

        private static string Slugify(string text) => NonWord().Replace(text.ToLowerInvariant(), "-").Trim('-');
    }

    [GeneratedRegex("[^a-z0-9.]+")]
    private static partial Regex NonWord();

    [GeneratedRegex(@"\d+\.\d+\.\d+")]
    private static partial Regex VersionPattern();
}
