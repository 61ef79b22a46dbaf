namespace Portico.Tests.RateLimiting;

/// <summary>
/// <see cref="Portico.RateLimiting.RateLimitStage"/> keeps the decisions of a request decided from memory in an array
/// of the thread's (issue 25): each answer must still carry exactly its own decisions, at the limit, at zero, after a
/// refill, after a refusal that gave a token back, and when another request runs through the stage inside the rest of
/// the pipeline on the same thread.
/// </summary>
public sealed class RateLimitStageTests
{
    // wide: a token every 20 s, burst 3; narrow: a token every 30 s, burst 2; solo: a token every 12 s, burst 5.
    private const string Registry = """
    {
      "rateLimitPolicies": [
        { "id": "wide", "rate": { "requests": 3, "per": "1m" } },
        { "id": "narrow", "rate": { "requests": 2, "per": "1m" } },
        { "id": "solo", "rate": { "requests": 5, "per": "1m" } }
      ],
      "routes": [
        { "id": "layered", "auth": "anonymous", "match": { "path": "/layered" }, "static": { "body": "x" },
          "rateLimit": { "policies": ["wide", "narrow"] } },
        { "id": "other", "auth": "anonymous", "match": { "path": "/other" }, "static": { "body": "x" },
          "rateLimit": { "policies": ["solo"] } }
      ]
    }
    """;

    [Fact]
    public async Task Stage_TwoPoliciesInTurn_HeadersExactToTheLimitAtZeroAndAfterTheRefundedRefill()
    {
        await using var harness = await StageHarness.StartAsync(Registry);

        var first = await harness.SendAsync("/layered");
        Assert.Equal(200, first.Status);
        Assert.Equal("\"wide\";q=3;w=60, \"narrow\";q=2;w=60", first.Header("RateLimit-Policy"));
        Assert.Equal("\"wide\";r=2;t=20, \"narrow\";r=1;t=30", first.Header("RateLimit"));

        var second = await harness.SendAsync("/layered");
        Assert.Equal(200, second.Status);
        Assert.Equal("\"wide\";r=1;t=40, \"narrow\";r=0;t=60", second.Header("RateLimit"));

        // narrow is used up: refused, and wide gives back the token it took for this request.
        var refused = await harness.SendAsync("/layered");
        Assert.Equal(429, refused.Status);
        Assert.Equal("30", refused.Header("Retry-After"));
        Assert.Equal("\"wide\";r=0;t=60, \"narrow\";r=0;t=60", refused.Header("RateLimit"));

        // 30 s on: narrow has refilled one token; wide holds one and a half (its refused token came back).
        harness.Clock.Advance(TimeSpan.FromSeconds(30));
        var refilled = await harness.SendAsync("/layered");
        Assert.Equal(200, refilled.Status);
        Assert.Equal("\"wide\";r=1;t=30, \"narrow\";r=0;t=60", refilled.Header("RateLimit"));
    }

    [Fact]
    public async Task Stage_AnotherRequestInsideTheRestOfThePipeline_EachAnswerKeepsItsOwnDecisions()
    {
        await using var harness = await StageHarness.StartAsync(Registry);

        StageHarness.Answer? inner = null;
        var outer = await harness.SendAsync("/layered", next: async () => inner = await harness.SendAsync("/other"));

        Assert.Equal(200, outer.Status);
        Assert.Equal("\"wide\";r=2;t=20, \"narrow\";r=1;t=30", outer.Header("RateLimit"));
        Assert.NotNull(inner);
        Assert.Equal(200, inner.Status);
        Assert.Equal("\"solo\";q=5;w=60", inner.Header("RateLimit-Policy"));
        Assert.Equal("\"solo\";r=4;t=12", inner.Header("RateLimit"));

        // The next request on the layered route sees the counters the first one left.
        var next = await harness.SendAsync("/layered");
        Assert.Equal("\"wide\";r=1;t=40, \"narrow\";r=0;t=60", next.Header("RateLimit"));
    }
}
