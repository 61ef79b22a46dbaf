// Shared circuit breakers against a flaky and a dead backend (issue 23): three gateway instances, each with its own
// memory, share circuit state through one Azurite and call one backend. The run moves one fake clock for all of them,
// so the breaker's default durations (15 s break, 30 s window, 4 s sync) play out in minutes of virtual time whatever
// the machine's load. See README.md beside this file.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Bench.Breaker;
using Portico.Bench.RateLimit;
using Portico.Hosting;

var settings = Settings.Parse(args);
// The wall clock only stamps progress lines and the report; the runs themselves move their own fake clocks.
var wallClock = TimeProvider.System;
var repository = BenchMachine.FindRepository();
using var azurite = await AzuriteServer.StartAsync(repository);
var loadBefore = BenchMachine.LoadAverage();
var rows = new List<Row>();
foreach (var (scenario, failureRate) in settings.Scenarios.SelectMany(s => s == "flaky" ? settings.FailureRates.Select(r => (s, r)) : [(s, 1.0)]))
{
    foreach (var variant in settings.Variants)
    {
        var total = new Row(scenario, variant, failureRate);
        foreach (var seed in settings.Seeds)
        {
            Console.Error.WriteLine($"[{wallClock.GetUtcNow():HH:mm:ss}] {scenario} {failureRate:P0}, {variant}, seed {seed}: {settings.Rates.Length} instances at {string.Join("/", settings.Rates)} req/s");
            var row = await RunAsync(scenario, failureRate, variant, seed, settings, azurite.ConnectionString);
            Console.Error.WriteLine($"[{wallClock.GetUtcNow():HH:mm:ss}] {row}");
            total.Add(row);
        }

        rows.Add(total);
    }
}

var report = Report(settings, rows, repository, loadBefore, BenchMachine.LoadAverage(), wallClock.GetUtcNow());
Console.WriteLine(report);
if (!settings.Smoke)
{
    var file = Path.Combine(repository, "bench", "BreakerAvailability", "results", $"{wallClock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.md");
    await File.WriteAllTextAsync(file, report);
    Console.Error.WriteLine($"report written to {Path.GetRelativePath(repository, file)}");
}

return 0;

// One run: fresh backend, table, clock and instances. The flaky scenario fails calls at the flaky rate throughout;
// the dead one answers every call for the warm-up, then fails every call.
static async Task<Row> RunAsync(string scenario, double failureRate, string variant, int seed, Settings settings, string connection)
{
    var instances = settings.Rates.Length;
    await using var backend = await FaultyBackend.StartAsync(instances, seed);
    // The same start every run, so the breakers' time buckets fall alike and a seed gives the same calls.
    var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    var registry = Path.Combine(Path.GetTempPath(), $"portico-breaker-bench-{Guid.NewGuid():N}.json");
    await File.WriteAllTextAsync(registry, Registry(backend.Url, shared: variant == "shared"));
    var table = $"cb{Guid.NewGuid():N}"[..20];
    var gateways = new List<BenchGateway>();
    try
    {
        // Each instance reads time from the run's clock and shares circuits through the run's table.
        for (int i = 0; i < instances; i++)
        {
            gateways.Add(await BenchGateway.StartAsync(registry, connection, $"{table}rl", new CountingPolicy(), services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.PostConfigure<PorticoOptions>(options => options.Resilience.CircuitBreakerTableName = table);
            }));
        }

        var dead = scenario == "dead";
        var warmUp = dead ? TimeSpan.FromSeconds(settings.WarmUpSeconds) : TimeSpan.Zero;
        var length = warmUp + TimeSpan.FromMinutes(dead ? settings.DeadMinutes : settings.FlakyMinutes);
        backend.FailureRate = dead ? 0 : failureRate;
        var row = new Row(scenario, variant, failureRate);
        var credit = new double[instances];
        var firstRefusal = new TimeSpan?[instances];
        var receivedAtDeath = 0L;
        var tick = TimeSpan.FromMilliseconds(50);
        for (var now = TimeSpan.Zero; now < length; now += tick)
        {
            if (dead && now == warmUp)
            {
                backend.FailureRate = 1;
                receivedAtDeath = Enumerable.Range(0, instances).Sum(backend.Received);
            }

            var measured = now >= warmUp;
            for (int i = 0; i < instances; i++)
            {
                // In the dead scenario the last instance joins late: it has no calls of its own to judge by.
                var joined = !dead || i < instances - 1 || now - warmUp >= TimeSpan.FromSeconds(settings.JoinAfterSeconds);
                for (credit[i] += joined ? settings.Rates[i] * tick.TotalSeconds : 0; credit[i] >= 1; credit[i]--)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/r/x");
                    request.Headers.Add("X-Instance", i.ToString(CultureInfo.InvariantCulture));
                    using var response = await gateways[i].Client.SendAsync(request);
                    var refused = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
                    if (!measured)
                    {
                        continue;
                    }

                    row.Sent++;
                    row.Succeeded += response.IsSuccessStatusCode ? 1 : 0;
                    if (refused && firstRefusal[i] is null && i < instances - 1)
                    {
                        firstRefusal[i] = now - warmUp;
                    }

                    if (dead && now - warmUp < TimeSpan.FromSeconds(20))
                    {
                        row.ReachedFirst20s = Enumerable.Range(0, instances).Sum(backend.Received) - receivedAtDeath;
                    }
                }
            }

            clock.Advance(tick);
            await Task.Yield(); // let the instances' sync loops, woken by the clock, start their reads
        }

        row.Reached = Enumerable.Range(0, instances).Sum(backend.Received) - receivedAtDeath;
        row.AllRefusingAfter = firstRefusal[..^1].All(t => t is not null) ? firstRefusal[..^1].Max() : null;
        row.VirtualSeconds = (length - warmUp).TotalSeconds;
        return row;
    }
    finally
    {
        foreach (var gateway in gateways)
        {
            await gateway.DisposeAsync();
        }

        File.Delete(registry);
    }
}

// Default breaker settings; retries off so that every request let through is one call to the backend.
static string Registry(string backendUrl, bool shared) => $$"""
{
  "backends": [
    { "id": "b", "url": "{{backendUrl}}", "resilience": { "circuitBreaker": { "shared": {{(shared ? "true" : "false")}} } } }
  ],
  "routes": [
    { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b", "resilience": { "retry": { "maxAttempts": 1 } } }
  ]
}
""";

static string Report(Settings settings, List<Row> rows, string repository, string loadBefore, string loadAfter, DateTimeOffset finished)
{
    var text = new StringBuilder();
    var inv = CultureInfo.InvariantCulture;
    text.AppendLine(inv, $"# Shared circuit breaker availability ({finished:yyyy-MM-dd HH:mm} UTC)");
    text.AppendLine();
    text.AppendLine(inv, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; commit {Commit(repository)}; load average {loadBefore} before, {loadAfter} after.");
    text.AppendLine();
    text.AppendLine(inv, $"{settings.Rates.Length} instances sending {string.Join(", ", settings.Rates)} requests per (virtual) second, one at a time; default breaker settings (failure ratio 0.5, minimum throughput 20, 30 s window, 15 s break, 4 s sync), retries off; time from one fake clock moved 50 ms per step; each row sums the runs with backend seeds {string.Join(", ", settings.Seeds)}. `shared`: circuits shared through Azurite; `local`: `circuitBreaker.shared: false`.");
    text.AppendLine();
    text.AppendLine(inv, $"## Flaky backend (calls fail at random, {settings.FlakyMinutes} min)");
    text.AppendLine();
    text.AppendLine("| failing | circuits | requests | let through | succeeded |");
    text.AppendLine("| ---: | --- | ---: | ---: | ---: |");
    foreach (var row in rows.Where(r => r.Scenario == "flaky"))
    {
        text.AppendLine(inv, $"| {row.FailureRate:P0} | {row.Variant} | {row.Sent} | {row.Reached / (double)row.Sent:P1} | {row.Succeeded / (double)row.Sent:P1} |");
    }

    text.AppendLine();
    text.AppendLine(inv, $"## Dead backend (every call fails after {settings.WarmUpSeconds} s of health, {settings.DeadMinutes} min; the last instance sends nothing until {settings.JoinAfterSeconds} s after the death)");
    text.AppendLine();
    text.AppendLine("| circuits | requests | calls to the dead backend | in its first 20 s | per minute after | every running instance refusing after (worst run) |");
    text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
    foreach (var row in rows.Where(r => r.Scenario == "dead"))
    {
        var later = (row.Reached - row.ReachedFirst20s) / ((row.VirtualSeconds - (20 * settings.Seeds.Length)) / 60);
        text.AppendLine(inv, $"| {row.Variant} | {row.Sent} | {row.Reached} | {row.ReachedFirst20s} | {later:0.0} | {(row.AllRefusingAfter is { } t ? $"{t.TotalSeconds:0.0} s" : "never")} |");
    }

    return text.ToString();
}

static string Commit(string repository)
{
    try
    {
        using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = repository, RedirectStandardOutput = true })!;
        var commit = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return commit.Length > 0 ? commit : "?";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "?";
    }
}

/// <summary>What one run measured (after the warm-up).</summary>
internal sealed class Row(string scenario, string variant, double failureRate)
{
    public string Scenario { get; } = scenario;

    public string Variant { get; } = variant;

    public double FailureRate { get; } = failureRate;

    public long Sent { get; set; }

    public long Succeeded { get; set; }

    /// <summary>Calls the backend received (after the warm-up).</summary>
    public long Reached { get; set; }

    public long ReachedFirst20s { get; set; }

    /// <summary>From the death until every instance had refused a request.</summary>
    public TimeSpan? AllRefusingAfter { get; set; }

    public double VirtualSeconds { get; set; }

    /// <summary>Adds another run's counts (the worst time to refusal).</summary>
    public void Add(Row run)
    {
        Sent += run.Sent;
        Succeeded += run.Succeeded;
        Reached += run.Reached;
        ReachedFirst20s += run.ReachedFirst20s;
        VirtualSeconds += run.VirtualSeconds;
        AllRefusingAfter = AllRefusingAfter is { } worst && run.AllRefusingAfter is { } other ? (worst > other ? worst : other) : AllRefusingAfter ?? run.AllRefusingAfter;
    }

    public override string ToString() =>
        $"{Scenario}, {Variant}: {Sent} sent, {Reached} reached the backend ({Reached / (double)Math.Max(1, Sent):P1}), {Succeeded} succeeded, first 20 s {ReachedFirst20s}, all refusing after {AllRefusingAfter}";
}

/// <summary>Command-line settings.</summary>
internal sealed class Settings
{
    public int[] Rates { get; private set; } = [20, 20, 2];

    public string[] Scenarios { get; private set; } = ["flaky", "dead"];

    public string[] Variants { get; private set; } = ["shared", "local"];

    public double[] FailureRates { get; private set; } = [0.5, 0.4];

    public double FlakyMinutes { get; private set; } = 10;

    public double DeadMinutes { get; private set; } = 3;

    public int WarmUpSeconds { get; private set; } = 40;

    public int[] Seeds { get; private set; } = [1, 2, 3];

    public int JoinAfterSeconds { get; private set; } = 30;

    public bool Smoke { get; private set; }

    public static Settings Parse(string[] args)
    {
        var settings = new Settings();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--rates": settings.Rates = [.. Next().Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))]; break;
                case "--scenarios": settings.Scenarios = Next().Split(','); break;
                case "--variants": settings.Variants = Next().Split(','); break;
                case "--failure-rates": settings.FailureRates = [.. Next().Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture))]; break;
                case "--flaky-minutes": settings.FlakyMinutes = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--dead-minutes": settings.DeadMinutes = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warm-up": settings.WarmUpSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seeds": settings.Seeds = [.. Next().Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))]; break;
                case "--join-after": settings.JoinAfterSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--smoke":
                    settings.Smoke = true;
                    settings.FlakyMinutes = 1;
                    settings.DeadMinutes = 0.5;
                    settings.WarmUpSeconds = 20;
                    settings.JoinAfterSeconds = 10;
                    settings.Seeds = [1];
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return settings;
    }
}
