using System.Net;
using Azure.Data.Tables;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.RateLimiting;

/// <summary>
/// Rate counters in Table storage (Azurite) shared by two Functions workers, as two instances of a scaled-out app:
/// an <c>exact</c> limit of three requests counts them all, whichever worker served them.
/// </summary>
public sealed class SharedCounterTests
{
    [Fact]
    public async Task ExactLimit_TwoWorkersShareTheCounter_FourthRequestAnywhereIs429()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var counters = Azurite.NewTableName("rc");
        const string Registry = """
        {
          "rateLimitPolicies": [ { "id": "three", "rate": { "requests": 3, "per": "1h" }, "store": "exact", "onStorageFailure": "failClosed" } ],
          "routes": [ { "id": "limited", "auth": "anonymous", "match": { "path": "/limited" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["three"] } } ]
        }
        """;
        var settings = new Dictionary<string, string?>
        {
            ["Portico__Storage__ConnectionString"] = connection,
            ["Portico__RateLimiting__TableName"] = counters,
        };
        await using var first = await FunctionsGateway.StartWithFileAsync(Registry, settings);
        await using var second = await FunctionsGateway.StartWithFileAsync(Registry, settings);

        var statuses = new List<HttpStatusCode>();
        foreach (var gateway in new[] { first, second, first, second })
        {
            using var response = await gateway.Client.GetAsync("/limited");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter is not null, "a 429 says when to retry");
                await ProblemAssert.ReadAsync(response, "rate-limited");
            }
        }

        Assert.True(statuses.SequenceEqual([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]), $"{string.Join(", ", statuses)}{Environment.NewLine}{first.Log}");
        var table = (await Azurite.ServiceClientAsync()).GetTableClient(counters);
        Assert.NotEmpty(table.Query<TableEntity>(maxPerPage: 10).Take(1));
    }
}
