using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portico.Bench.Tool;

/// <summary>One benchmark scenario, as written in <c>bench/scenarios/NAME/scenario.json</c>.</summary>
internal sealed record Scenario
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The targets run.sh knows how to start.</summary>
    public static readonly string[] KnownTargets = ["direct", "baseline", "baseline-control", "portico", "portico-nolog", "portico-lean", "portico-noresilience", "portico-waf", "portico-noanalytics", "portico-cluster", "functions", "functions-nolog", "nginx", "haproxy"];

    /// <summary>What run.sh prepares before the scenario runs (see <see cref="KnownNeeds"/>).</summary>
    public static readonly string[] KnownNeeds = ["jwt", "table-storage"];

    /// <summary>One line for the report.</summary>
    public string Description { get; init; } = "";

    /// <summary>Which targets are measured, in the order they alternate within a round.</summary>
    public string[] Targets { get; init; } = ["direct", "baseline", "portico", "portico-nolog"];

    /// <summary>Connection counts, each measured separately; default 16 and 64.</summary>
    public int[] Connections { get; init; } = [16, 64];

    /// <summary>The Portico registry file, relative to the scenario folder.</summary>
    public string Registry { get; init; } = "portico.json";

    /// <summary>
    /// What run.sh prepares first: <c>jwt</c> generates an RSA key pair and a signed token for the run and writes them
    /// over <c>@BENCH_JWT_PUBLIC_KEY@</c> and <c>@BENCH_JWT@</c> in copies of the scenario's files;
    /// <c>table-storage</c> starts Azurite and gives every Portico target a storage connection string for its counters.
    /// </summary>
    public string[] Needs { get; init; } = [];

    /// <summary>Extra environment for both Portico processes (for example an option under test).</summary>
    public Dictionary<string, string> PorticoEnv { get; init; } = [];

    /// <summary>The request wrk sends.</summary>
    public required RequestSpec Request { get; init; }

    /// <summary>Per-target path, when a target is reached under another path (for example direct to the backend).</summary>
    public Dictionary<string, string> Paths { get; init; } = [];

    /// <summary>The answer every target must give.</summary>
    public required ExpectSpec Expect { get; init; }

    /// <summary>Per-target answer, when one differs.</summary>
    public Dictionary<string, ExpectSpec> ExpectByTarget { get; init; } = [];

    /// <summary>The folder the scenario was read from.</summary>
    [JsonIgnore]
    public string Directory { get; private init; } = "";

    /// <summary>The scenario's name: its folder name.</summary>
    [JsonIgnore]
    public string Name => Path.GetFileName(Directory);

    public static Scenario Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        var file = Path.Combine(full, "scenario.json");
        Scenario scenario;
        try
        {
            scenario = JsonSerializer.Deserialize<Scenario>(File.ReadAllText(file), Json)
                ?? throw new InvalidDataException($"{file}: empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file}: {ex.Message}", ex);
        }

        scenario = scenario with { Directory = full };
        scenario.Validate(file);
        return scenario;
    }

    /// <summary>The A/A control is the baseline again: it is reached and answers as the baseline unless the scenario says otherwise.</summary>
    public const string ControlTarget = "baseline-control";

    public string PathFor(string target) =>
        Paths.TryGetValue(target, out var path) ? path
        : target == ControlTarget ? PathFor("baseline")
        : Request.Path;

    public ExpectSpec ExpectFor(string target) =>
        ExpectByTarget.TryGetValue(target, out var expect) ? expect
        : target == ControlTarget ? ExpectFor("baseline")
        : Expect;

    public string? Resolve(string? relative) => relative is null ? null : Path.GetFullPath(Path.Combine(Directory, relative));

    private void Validate(string file)
    {
        var errors = new List<string>();
        foreach (var target in Targets.Concat(Paths.Keys).Concat(ExpectByTarget.Keys))
        {
            if (!KnownTargets.Contains(target))
            {
                errors.Add($"unknown target '{target}' (known: {string.Join(", ", KnownTargets)})");
            }
        }

        foreach (var need in Needs.Where(n => !KnownNeeds.Contains(n)))
        {
            errors.Add($"unknown need '{need}' (known: {string.Join(", ", KnownNeeds)})");
        }

        if (Targets.Length == 0)
        {
            errors.Add("'targets' is empty");
        }

        if (Connections.Length == 0 || Connections.Any(c => c < 1 || c > 1024))
        {
            errors.Add("'connections' must list counts between 1 and 1024");
        }

        if (!Request.Path.StartsWith('/') || Paths.Values.Any(p => !p.StartsWith('/')))
        {
            errors.Add("paths must start with '/'");
        }

        if (Request.Body is not null && Request.BodyFile is not null)
        {
            errors.Add("set at most one of 'request.body' and 'request.bodyFile'");
        }

        var uses = Targets.Any(t => t.StartsWith("portico", StringComparison.Ordinal) || t.StartsWith("functions", StringComparison.Ordinal));
        if (uses && !File.Exists(Resolve(Registry)))
        {
            errors.Add($"registry file '{Registry}' not found beside scenario.json");
        }

        foreach (var name in new[] { Request.BodyFile, Request.Lua })
        {
            if (name is not null && !File.Exists(Resolve(name)))
            {
                errors.Add($"'{name}' not found beside scenario.json");
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{file}: {string.Join("; ", errors)}");
        }
    }
}

/// <summary>What wrk sends.</summary>
internal sealed record RequestSpec
{
    public string Method { get; init; } = "GET";

    public required string Path { get; init; }

    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>An inline request body.</summary>
    public string? Body { get; init; }

    /// <summary>A request body file, relative to the scenario folder.</summary>
    public string? BodyFile { get; init; }

    /// <summary>
    /// A wrk Lua script, relative to the scenario folder, loaded after the defaults: it may define
    /// <c>request()</c> or <c>response()</c> or change <c>wrk.*</c>, but not <c>done()</c>.
    /// </summary>
    public string? Lua { get; init; }
}

/// <summary>What a correct answer looks like.</summary>
internal sealed record ExpectSpec
{
    public int Status { get; init; } = 200;

    public int? BodyBytes { get; init; }

    public string? BodyStartsWith { get; init; }

    public string? BodyContains { get; init; }

    /// <summary>Headers that must be present, with their exact value (empty string: any value).</summary>
    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>
    /// Whether wrk's count of answers with status 400 or more is expected to be non-zero (a rate-limited
    /// scenario); otherwise any such answer fails the smoke run.
    /// </summary>
    public bool ErrorStatusesExpected { get; init; }
}
