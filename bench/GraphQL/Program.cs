// GraphQL gateway benchmark (issue 19): one query over three subgraphs (accounts and reviews, federated, sharing User;
// ratings, REST) through Portico, against the same data fetched by the best hand-written sequence of direct calls
// (accounts, then reviews and ratings in parallel, then accounts for the authors). Reports p50/p95 of both, their
// ratio, the plan-cache hit ratio and the subgraph calls per query. See README.md beside this file.
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portico.Bench;
using Portico.Tests.GraphQL;
using static Portico.Bench.Latencies;

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var warmup = Math.Max(50, iterations / 10);
var clock = TimeProvider.System; // the one clock of the run: timings and the report's name and date
const string Query = "{ me { name reviews { body author { name } } rating { stars } } }";

await using var accounts = await TestSubgraphs.StartAccountsAsync();
await using var reviews = await TestSubgraphs.StartReviewsAsync();
await using var catalog = await TestSubgraphs.StartCatalogAsync();
await using var ratings = await TestSubgraphs.StartRatingsAsync();
var directory = Directory.CreateTempSubdirectory("portico-bench-graphql-");
var registry = Path.Combine(directory.FullName, "portico.json");
await File.WriteAllTextAsync(registry, $$"""
    {
      "backends": [
        { "id": "accounts", "url": "{{accounts.Url}}" }, { "id": "reviews", "url": "{{reviews.Url}}" },
        { "id": "catalog", "url": "{{catalog.Url}}" }, { "id": "ratings", "url": "{{ratings.Url}}" }
      ],
      "routes": [ { "id": "graph", "auth": "anonymous", "match": { "path": "/graphql", "methods": ["POST"] },
        "graphql": { "subgraphs": [
          { "name": "accounts", "backend": "accounts", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.AccountsSdl)}} },
          { "name": "reviews", "backend": "reviews", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.ReviewsSdl)}} },
          { "name": "catalog", "backend": "catalog", "kind": "graphql", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.CatalogSdl)}} },
          { "name": "ratings", "backend": "ratings", "kind": "rest", "sdl": {{JsonSerializer.Serialize(TestSubgraphs.RatingsSdl)}},
            "fields": { "User.rating": { "path": "/ratings/{parent.id}" }, "Query.weather": { "path": "/weather?city={args.city}", "pointer": "/data" } } }
        ] } } ]
    }
    """);

await using var app = await LoopbackGateway.StartAsync(options =>
{
    options.Registry.File = registry;
    options.AccessLog.Output = Portico.Observability.AccessLogOutput.None;
});
var gatewayUrl = app.Urls.First();

long hits = 0, misses = 0;
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Name == "portico.graphql.plan.lookups")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
{
    foreach (var tag in tags)
    {
        if (tag.Key == "portico.graphql.plan_cache")
        {
            if ((string?)tag.Value == "hit") Interlocked.Add(ref hits, value); else Interlocked.Add(ref misses, value);
        }
    }
});
listener.Start();

using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 });
var body = new JsonObject { ["query"] = Query }.ToJsonString();

async Task<string> ThroughPorticoAsync()
{
    using var response = await client.PostAsync(gatewayUrl + "/graphql", new StringContent(body, Encoding.UTF8, "application/json"));
    return await response.Content.ReadAsStringAsync();
}

async Task<JsonNode> GraphQLAsync(string url, string query, JsonObject? variables = null)
{
    var request = new JsonObject { ["query"] = query, ["variables"] = variables ?? [] };
    using var response = await client.PostAsync(url + "/graphql", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
    return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
}

// The best hand-written sequence: what a client that knows every service would do, with the same parallelism.
async Task<string> DirectAsync()
{
    var me = (await GraphQLAsync(accounts.Url, "{ me { id name } }"))["data"]!["me"]!;
    var id = me["id"]!.GetValue<string>();
    var reviewsTask = GraphQLAsync(reviews.Url, "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { reviews { body author { id } } } } }",
        new JsonObject { ["r"] = new JsonArray(new JsonObject { ["__typename"] = "User", ["id"] = id }) });
    var ratingTask = client.GetStringAsync(ratings.Url + "/ratings/" + Uri.EscapeDataString(id));
    await Task.WhenAll(reviewsTask, ratingTask);
    var userReviews = reviewsTask.Result["data"]!["_entities"]![0]!["reviews"]!.AsArray();
    var authorIds = userReviews.Select(r => r!["author"]!["id"]!.GetValue<string>()).Distinct().ToList();
    var authors = await GraphQLAsync(accounts.Url, "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { name } } }",
        new JsonObject { ["r"] = new JsonArray([.. authorIds.Select(a => (JsonNode)new JsonObject { ["__typename"] = "User", ["id"] = a })]) });
    var names = authorIds.Select((a, i) => (a, authors["data"]!["_entities"]![i]!["name"]!.GetValue<string>())).ToDictionary(p => p.a, p => p.Item2);
    var answer = new JsonObject
    {
        ["data"] = new JsonObject
        {
            ["me"] = new JsonObject
            {
                ["name"] = me["name"]!.GetValue<string>(),
                ["reviews"] = new JsonArray([.. userReviews.Select(r => (JsonNode)new JsonObject
                {
                    ["body"] = r!["body"]!.GetValue<string>(),
                    ["author"] = new JsonObject { ["name"] = names[r["author"]!["id"]!.GetValue<string>()] },
                })]),
                ["rating"] = new JsonObject { ["stars"] = JsonNode.Parse(ratingTask.Result)!["stars"]!.GetValue<int>() },
            },
        },
    };
    return answer.ToJsonString();
}

var expected = (await DirectAsync()).Trim();
var actual = (await ThroughPorticoAsync()).Trim();
if (expected != actual)
{
    Console.Error.WriteLine($"answers differ:\n  direct:  {expected}\n  portico: {actual}");
    return 1;
}

async Task<double[]> MeasureAsync(Func<Task<string>> call, int count)
{
    var times = new double[count];
    for (int i = 0; i < count; i++)
    {
        var started = clock.GetTimestamp();
        await call();
        times[i] = clock.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return times;
}

await MeasureAsync(DirectAsync, warmup);
await MeasureAsync(ThroughPorticoAsync, warmup);
var callsBefore = accounts.Count + reviews.Count + ratings.Count + catalog.Count;
var hitsBefore = Interlocked.Read(ref hits);
var missesBefore = Interlocked.Read(ref misses);
// Alternate halves so that machine noise falls on both sides.
var direct = new List<double>();
var portico = new List<double>();
var porticoCalls = 0L;
for (int round = 0; round < 4; round++)
{
    direct.AddRange(await MeasureAsync(DirectAsync, iterations / 4));
    var before = accounts.Count + reviews.Count + ratings.Count + catalog.Count;
    portico.AddRange(await MeasureAsync(ThroughPorticoAsync, iterations / 4));
    porticoCalls += accounts.Count + reviews.Count + ratings.Count + catalog.Count - before;
}

var lookups = Interlocked.Read(ref hits) - hitsBefore + Interlocked.Read(ref misses) - missesBefore;
var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"# GraphQL gateway benchmark, {clock.GetUtcNow():yyyy-MM-dd HH:mm}Z");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"Query: `{Query}` (accounts, reviews and ratings; {iterations} sequential requests per side after {warmup} warm-up, on {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end).");
report.AppendLine();
report.AppendLine("| path | p50 ms | p95 ms |");
report.AppendLine("| --- | --- | --- |");
report.AppendLine(CultureInfo.InvariantCulture, $"| direct (hand-written sequence, 4 calls) | {Percentile(direct, 0.5):F3} | {Percentile(direct, 0.95):F3} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| through Portico | {Percentile(portico, 0.5):F3} | {Percentile(portico, 0.95):F3} |");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"- p50 ratio Portico / direct: **{Percentile(portico, 0.5) / Percentile(direct, 0.5):F2}x** (goal: at most 1.3x)");
report.AppendLine(CultureInfo.InvariantCulture, $"- plan-cache hit ratio: {(double)(Interlocked.Read(ref hits) - hitsBefore) / Math.Max(1, lookups):P2} of {lookups} lookups");
report.AppendLine(CultureInfo.InvariantCulture, $"- subgraph calls per query through Portico: {(double)porticoCalls / portico.Count:F2} (the hand-written sequence makes 4)");
Console.WriteLine(report);
var file = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "results", $"{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.md");
await File.WriteAllTextAsync(file, report.ToString());
directory.Delete(recursive: true);
return 0;
