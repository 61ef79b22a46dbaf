using System.Net;
using System.Security.Cryptography;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>
/// Retries against fault-injecting loopback backends: what is retried, what never is, and how long it waits. The
/// gateways run on a <see cref="TestClock"/>: every backoff is a timer the test sees set and then plays out, so the
/// tests wait for no real time and can check how long the gateway chose to wait.
/// </summary>
public sealed class RetryTests
{
    // A generous allowance so these tests observe the retry policy, not the budget (RetryBudgetTests cover that).
    private const string Unbudgeted = """{ "retryBudget": { "minRetriesPerSecond": 100 } }""";
    private const string FastRetries = """{ "retry": { "maxAttempts": 3, "delay": "10ms" } }""";

    private readonly TestClock _clock = new();
    private IReadOnlyList<TimeSpan> _backoffs = [];

    private Task<GatewayHost> StartAsync(string backendUrl, string route, IDictionary<string, string?>? settings = null) =>
        ResilienceGateway.StartAsync(backendUrl, route, Unbudgeted, _clock.AddTo, settings);

    /// <summary>Sends a request and plays out its backoffs on the clock.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        _clock.SkipTimersSet();
        (var response, _backoffs) = await _clock.PlayAsync(send(), IsBackoff);
        return response;
    }

    /// <summary>A backoff is a one-off wait of at most the retry's maxDelay (2 s by default); the registry's own wait is 5 s.</summary>
    private static bool IsBackoff(TestClock.SetTimer timer) => timer.IsWait && timer.Due <= TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Retry_ServiceUnavailableBurst_RetriedUntilTheBackendAnswers()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503), Faults.Status(503), Faults.Ok("third time")));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("third time", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, backend.Count);
        Assert.Equal(2, gateway.Logs.Entries.Count(e => e.EventId.Id == 400));
        // Each retry waited for its own backoff on the clock, a short one for a 10 ms base delay.
        Assert.Equal(2, _backoffs.Count);
        Assert.All(_backoffs, wait => Assert.InRange(wait, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Retry_AttemptsExhausted_ClientGetsTheLastBackendAnswer()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("backend says 503", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, backend.Count);
    }

    [Fact]
    public async Task Retry_ConnectionResetBeforeAnswer_RetriedForGet()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Reset, Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Retry_ConnectionRefused_RetriedThenAnswers502()
    {
        var closedPort = Azurite.FreePort();
        await using var gateway = await StartAsync($"http://127.0.0.1:{closedPort}", FastRetries);
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "bad-gateway");
        Assert.Equal(2, metrics.Sum("portico.resilience.retries", ("portico.route", "r"), ("portico.backend", "b"), ("reason", "connection")));
    }

    [Fact]
    public async Task Retry_Post_NotRetriedByDefault()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503), Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        using var response = await SendAsync(() => gateway.Client.PostAsync("/r/orders", new StringContent("{\"item\":1}")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Retry_PostWithNonIdempotentOptIn_ResendsTheSameBody()
    {
        await using var backend = await TestBackend.StartAsync(Faults.EchoBody(failFirst: 1));
        await using var gateway = await StartAsync(backend.Url, """{ "retry": { "delay": "10ms", "nonIdempotent": true } }""");
        var body = RandomNumberGenerator.GetBytes(10_000);

        using var response = await SendAsync(() => gateway.Client.PostAsync("/r/orders", new ByteArrayContent(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{body.Length}:{Convert.ToHexString(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Retry_PutBodyWithinBufferLimit_ResentIdentically()
    {
        await using var backend = await TestBackend.StartAsync(Faults.EchoBody(failFirst: 2));
        await using var gateway = await StartAsync(backend.Url, FastRetries);
        var body = RandomNumberGenerator.GetBytes(64 * 1024);

        using var response = await SendAsync(() => gateway.Client.PutAsync("/r/doc", new ByteArrayContent(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{body.Length}:{Convert.ToHexString(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, backend.Count);
    }

    [Fact]
    public async Task Retry_PutBodyOverBufferLimit_StreamedAndNotRetried()
    {
        await using var backend = await TestBackend.StartAsync(Faults.EchoBody(failFirst: 1));
        await using var gateway = await StartAsync(backend.Url, FastRetries);
        var body = RandomNumberGenerator.GetBytes((64 * 1024) + 1);

        using var response = await SendAsync(() => gateway.Client.PutAsync("/r/doc", new ByteArrayContent(body)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Retry_LargeStreamedBodyWithoutLength_NotRetried()
    {
        await using var backend = await TestBackend.StartAsync(Faults.EchoBody(failFirst: 1));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        // A stream of unknown length goes out chunked: nothing can be replayed, so nothing is retried.
        using var content = new StreamContent(new UnseekableStream(RandomNumberGenerator.GetBytes(1024 * 1024)));
        using var response = await SendAsync(() => gateway.Client.PutAsync("/r/upload", content));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Retry_StatusNotInTheRetryList_NotRetried()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(500), Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Retry_ConfiguredStatusCodes_ReplaceTheDefaults()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(500), Faults.Status(503), Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, """{ "retry": { "delay": "10ms", "statusCodes": [500] } }""");

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Retry_MaxAttemptsOne_NeverRetries()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503), Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, """{ "retry": { "maxAttempts": 1 } }""");

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Retry_BackendRetryAfterWithinCap_HonouredBeforeRetrying()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503, retryAfter: "1"), Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, """{ "retry": { "delay": "10ms", "maxRetryAfter": "2s" } }""");

        _clock.SkipTimersSet();
        var request = gateway.Client.GetAsync("/r/x");
        var backoff = (await _clock.NextTimerAsync(IsBackoff).WaitAsync(TimeSpan.FromSeconds(30))).Due;

        // The backoff alone would be about 10 ms; the backend asked for a second, and nothing is sent before it passes.
        Assert.Equal(TimeSpan.FromSeconds(1), backoff);
        Assert.Equal(1, backend.Count);
        _clock.Advance(backoff);
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Retry_BackendRetryAfterBeyondCap_PassedToTheClientWithoutRetrying()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503, retryAfter: "120"), Faults.Ok()));
        await using var gateway = await StartAsync(backend.Url, FastRetries);

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("120", response.Headers.RetryAfter?.ToString());
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Retry_ResilienceTurnedOff_ForwardsOnce()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503), Faults.Ok()));
        await using var gateway = await StartAsync(
            backend.Url, FastRetries, new Dictionary<string, string?> { ["Portico:Resilience:Enabled"] = "false" });

        using var response = await SendAsync(() => gateway.Client.GetAsync("/r/x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    /// <summary>A stream whose length is unknown, as a client streaming an upload would send.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
