using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Portico.Infra.Tests.Support;

/// <summary>
/// What main.bicep would deploy for one set of parameters, evaluated locally by <c>bicep snapshot</c>: loops
/// expanded, conditions applied, modules flattened, names and ids computed. Values known only in Azure (an
/// identity's object id, an endpoint) stay <c>reference(...)</c> expressions.
/// </summary>
internal sealed class DeploymentSnapshot
{
    /// <summary>The subscription the snapshot pretends to deploy to.</summary>
    public const string SubscriptionId = "00000000-0000-0000-0000-0000000000a1";

    /// <summary>The tenant the snapshot pretends to deploy to.</summary>
    public const string TenantId = "00000000-0000-0000-0000-0000000000b2";

    /// <summary>A developer's object id for tests that set principalId.</summary>
    public const string DeveloperId = "00000000-0000-0000-0000-0000000000c3";

    /// <summary>The environment name every snapshot uses unless a test overrides it.</summary>
    public const string EnvironmentName = "portico-test";

    /// <summary>The region every snapshot uses.</summary>
    public const string Location = "westeurope";

    /// <summary>
    /// One parameter set that changes every tunable the tests look at, so they share a single snapshot run:
    /// scale settings, name overrides and purge protection.
    /// </summary>
    public static readonly (string Name, string Value)[] Customized =
    [
        ("instanceMemoryMB", "4096"),
        ("maximumInstanceCount", "40"),
        ("httpPerInstanceConcurrency", "250"),
        ("alwaysReadyInstances", "1"),
        ("resourceGroupName", "'rg-portico-shared'"),
        ("storageAccountName", "'stporticoshared'"),
        ("functionAppName", "'portico-gateway'"),
        ("keyVaultName", "'kv-portico-shared'"),
        ("keyVaultEnablePurgeProtection", "true"),
    ];

    private static readonly ConcurrentDictionary<string, Lazy<DeploymentSnapshot>> Cache = new();

    private DeploymentSnapshot(JsonObject json)
    {
        Resources = (json["predictedResources"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        Outputs = json["outputs"] as JsonObject ?? [];
        Diagnostics = json["diagnostics"] as JsonArray ?? [];
    }

    /// <summary>The resources that would be deployed.</summary>
    public IReadOnlyList<JsonObject> Resources { get; }

    /// <summary>The template's outputs, evaluated where possible.</summary>
    public JsonObject Outputs { get; }

    /// <summary>Diagnostics bicep reported while evaluating.</summary>
    public JsonArray Diagnostics { get; }

    /// <summary>
    /// The snapshot for main.bicep with <paramref name="parameters"/> (Bicep literals, for example
    /// <c>("useQueues", "true")</c>) on top of the environment name and location; cached per parameter set.
    /// </summary>
    public static DeploymentSnapshot Of(params (string Name, string Value)[] parameters)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["environmentName"] = $"'{EnvironmentName}'",
            ["location"] = $"'{Location}'",
        };
        foreach (var (name, value) in parameters)
        {
            all[name] = value;
        }

        var key = string.Join(';', all.Select(pair => $"{pair.Key}={pair.Value}"));
        return Cache.GetOrAdd(key, _ => new Lazy<DeploymentSnapshot>(() => Create(all))).Value;
    }

    /// <summary>Resources of <paramref name="type"/>.</summary>
    public IReadOnlyList<JsonObject> OfType(string type) =>
        Resources.Where(resource => string.Equals(Json.String(resource["type"]), type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The one resource of <paramref name="type"/>.</summary>
    public JsonObject Single(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"Expected exactly one {type} in the snapshot, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>The id of the one resource of <paramref name="type"/>.</summary>
    public string IdOf(string type) => Json.String(Single(type)["id"])!;

    private static DeploymentSnapshot Create(IReadOnlyDictionary<string, string> parameters)
    {
        using var directory = new TempDirectory();

        // A parameters file must name its template by a relative path.
        var template = Path.GetRelativePath(directory.Path, Repository.MainTemplate).Replace('\\', '/');
        var lines = new List<string> { $"using '{template}'", "" };
        lines.AddRange(parameters.Select(pair => $"param {pair.Key} = {pair.Value}"));
        var parametersFile = Path.Combine(directory.Path, "test.bicepparam");
        File.WriteAllLines(parametersFile, lines);

        var result = BicepCli.Run(
            directory.Path,
            "snapshot", parametersFile,
            "--mode", "overwrite",
            "--subscription-id", SubscriptionId,
            "--tenant-id", TenantId,
            "--location", Location,
            "--deployment-name", "portico-infra-tests");
        Assert.True(result.IsClean, $"bicep snapshot: {result}");

        var snapshotFile = Path.Combine(directory.Path, "test.snapshot.json");
        Assert.True(File.Exists(snapshotFile), "bicep snapshot wrote no snapshot file.");
        var json = JsonNode.Parse(File.ReadAllText(snapshotFile)) as JsonObject ?? throw new FormatException("A snapshot is a JSON object.");
        return new DeploymentSnapshot(json);
    }
}
