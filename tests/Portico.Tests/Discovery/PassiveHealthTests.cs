using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Configuration;
using Portico.Discovery;
using Portico.Hosting;

namespace Portico.Tests.Discovery;

/// <summary>Outlier detection on a fake clock: what ejects a destination, for how long, how many at once, and its return.</summary>
public sealed class PassiveHealthTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ServiceProvider _services;

    public PassiveHealthTests()
    {
        _services = new ServiceCollection().AddLogging().AddPortico().AddSingleton<TimeProvider>(_time).BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Record_ConsecutiveFailures_EjectForTheBaseTimeThenReturn()
    {
        var cluster = Cluster(4, """{ "consecutiveFailures": 3, "baseEjectionTime": "30s" }""");
        var target = cluster.Destinations[1];

        Fail(cluster, target, 2);
        cluster.Record(target, failed: false); // a success breaks the run
        Fail(cluster, target, 2);
        Assert.False(IsEjected(target));

        Fail(cluster, target, 1);
        Assert.True(IsEjected(target));
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), target.Health!.EjectedUntil);
        Assert.All(Enumerable.Range(0, 1_000), _ => Assert.NotEqual(1, cluster.Pick(cluster.BeginInternal())));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(IsEjected(target));
        Assert.Contains(1, Enumerable.Range(0, 1_000).Select(_ => cluster.Pick(cluster.BeginInternal())));
    }

    [Fact]
    public void Record_EjectedAgain_TheEjectionGrowsUpToTheMaximumAndShrinksAfterTimeWell()
    {
        var cluster = Cluster(4, """{ "consecutiveFailures": 1, "baseEjectionTime": "10s", "maxEjectionTime": "25s", "interval": "1m" }""");
        var target = cluster.Destinations[0];
        var lengths = new List<TimeSpan>();
        for (var n = 0; n < 3; n++)
        {
            Fail(cluster, target, 1);
            lengths.Add(target.Health!.EjectedUntil!.Value - _time.GetUtcNow());
            _time.Advance(lengths[^1]);
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(25)], lengths);

        // Two intervals well forgive two of the three ejections: the next lasts 2 × 10 s.
        cluster.Record(target, failed: false);
        _time.Advance(TimeSpan.FromMinutes(2));
        Fail(cluster, target, 1);
        Assert.Equal(TimeSpan.FromSeconds(20), target.Health!.EjectedUntil!.Value - _time.GetUtcNow());
    }

    [Fact]
    public void Record_FailureRatioWithoutARun_EjectsOnceEnoughCallsWereSeen()
    {
        var cluster = Cluster(4, """{ "consecutiveFailures": 100, "failureRatio": 0.5, "minimumRequests": 20, "interval": "10s" }""");
        var target = cluster.Destinations[3];
        for (var i = 0; i < 18; i++)
        {
            cluster.Record(target, failed: i % 2 == 0);
        }

        Assert.False(IsEjected(target)); // 9 of 18: below the minimum number of calls

        cluster.Record(target, failed: false);
        cluster.Record(target, failed: true);
        Assert.True(IsEjected(target)); // 10 of 20
    }

    [Fact]
    public void Record_FailuresInEarlierIntervals_AreForgotten()
    {
        var cluster = Cluster(4, """{ "consecutiveFailures": 100, "failureRatio": 0.5, "minimumRequests": 4, "interval": "10s" }""");
        var target = cluster.Destinations[0];
        cluster.Record(target, failed: true);
        cluster.Record(target, failed: true);
        cluster.Record(target, failed: false);
        _time.Advance(TimeSpan.FromSeconds(10));
        cluster.Record(target, failed: false);
        cluster.Record(target, failed: false);
        cluster.Record(target, failed: true);
        cluster.Record(target, failed: false);

        Assert.False(IsEjected(target)); // 1 of 4 in this interval
    }

    [Fact]
    public void Record_MaxEjectedPercent_KeepsTheRestInService()
    {
        var cluster = Cluster(4, """{ "consecutiveFailures": 1, "maxEjectedPercent": 50 }""");
        foreach (var destination in cluster.Destinations)
        {
            Fail(cluster, destination, 1);
        }

        Assert.Equal(2, cluster.Destinations.Count(IsEjected));
        Assert.All(Enumerable.Range(0, 200), _ => Assert.True(cluster.Pick(cluster.BeginInternal()) is 2 or 3));
    }

    [Fact]
    public void Record_SingleDestination_MayStillBeEjected()
    {
        var cluster = Cluster(1, """{ "consecutiveFailures": 1, "maxEjectedPercent": 10, "baseEjectionTime": "7s" }""");
        Fail(cluster, cluster.Destinations[0], 1);

        Assert.True(IsEjected(cluster.Destinations[0]));
        Assert.Equal(-1, cluster.Pick(cluster.BeginInternal()));
        Assert.Equal(TimeSpan.FromSeconds(7), cluster.RetryAfter());
    }

    [Fact]
    public void Pick_NoneHealthyAndFailOpen_ChoosesAnEjectedDestination()
    {
        var cluster = Cluster(2, """{ "consecutiveFailures": 1, "maxEjectedPercent": 100 }""", failOpen: true);
        Fail(cluster, cluster.Destinations[0], 1);
        Fail(cluster, cluster.Destinations[1], 1);

        Assert.All(cluster.Destinations, d => Assert.True(IsEjected(d)));
        Assert.Equal([0, 1], Enumerable.Range(0, 200).Select(_ => cluster.Pick(cluster.BeginInternal())).Distinct().Order());
    }

    private DestinationCluster Cluster(int count, string passive, bool failOpen = false)
    {
        var json = $$"""
            { "id": "b", "destinations": [{{string.Join(", ", Enumerable.Range(1, count).Select(i => $$"""{ "url": "http://10.0.0.{{i}}:8080" }"""))}}],
              "health": { "passive": {{passive}}, "failOpen": {{(failOpen ? "true" : "false")}} } }
            """;
        var definition = System.Text.Json.JsonSerializer.Deserialize(json, RegistryJsonContext.Default.BackendDefinition)!;
        var errors = new List<string>();
        var cluster = _services.GetRequiredService<DiscoveryCompiler>().Compile(definition, (field, message) => errors.Add(field + ": " + message));
        Assert.Empty(errors);
        return cluster!;
    }

    private bool IsEjected(Destination destination) => destination.Health!.IsEjected(_time.GetUtcNow().UtcTicks);

    private static void Fail(DestinationCluster cluster, Destination destination, int times)
    {
        for (var i = 0; i < times; i++)
        {
            cluster.Record(destination, failed: true);
        }
    }
}
