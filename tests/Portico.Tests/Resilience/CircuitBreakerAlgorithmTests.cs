using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly;
using Portico.Hosting;
using Portico.Proxy;
using Portico.Resilience.CircuitBreakers;
using Portico.Resilience.Retries;
using Portico.Resilience;

namespace Portico.Tests.Resilience;

/// <summary>The circuit breaker's algorithm on a fake clock: the rolling window, the single trial, adopted states.</summary>
public sealed class CircuitBreakerAlgorithmTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ServiceProvider _services;

    public CircuitBreakerAlgorithmTests()
    {
        _services = new ServiceCollection().AddLogging().AddPortico().AddSingleton<TimeProvider>(_time).BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void HealthWindow_CallsOlderThanTheSamplingDuration_AreForgotten()
    {
        var window = new HealthWindow(TimeSpan.FromSeconds(10), _time);
        window.Record(failed: true, _time.GetTimestamp());
        window.Record(failed: false, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(5));
        window.Record(failed: true, _time.GetTimestamp());
        Assert.Equal((3, 2), window.Totals());

        _time.Advance(TimeSpan.FromSeconds(6)); // the first two are now more than 10 s old
        Assert.Equal((1, 1), window.Totals());

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((0, 0), window.Totals());
    }

    [Fact]
    public async Task Breaker_FailuresSpreadBeyondTheWindow_NeverReachTheThreshold()
    {
        var backend = Backend(minimumThroughput: 4, samplingSeconds: 10);

        for (int i = 0; i < 8; i++)
        {
            await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
            await ExecuteAsync(backend, HttpStatusCode.OK);
            _time.Advance(TimeSpan.FromSeconds(11)); // the window never holds more than the current pair
        }

        Assert.Equal(CircuitState.Closed, backend.CircuitState);
    }

    [Fact]
    public async Task Breaker_HalfOpen_OnlyOneTrialAtATimeAndItsSuccessCloses()
    {
        var backend = Backend(minimumThroughput: 2, samplingSeconds: 10);
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(CircuitState.Open, backend.CircuitState);

        _time.Advance(TimeSpan.FromSeconds(31));
        var release = new TaskCompletionSource<HttpStatusCode>();
        var trial = ExecuteAsync(backend, release.Task);
        Assert.Equal(CircuitState.HalfOpen, backend.CircuitState);

        var refused = await ExecuteAsync(backend, HttpStatusCode.OK);
        Assert.IsType<BrokenCircuitException>(refused.Exception);

        release.SetResult(HttpStatusCode.OK);
        Assert.Null((await trial).Exception);
        Assert.Equal(CircuitState.Closed, backend.CircuitState);
        Assert.Null(backend.OpenUntil);
    }

    [Fact]
    public async Task Breaker_AdoptedOpen_RefusesUntilItsEndThenTrials()
    {
        var backend = Backend(minimumThroughput: 20, samplingSeconds: 10);
        backend.Adopt(new CircuitBreakerRecord("b", backend.ConfigHash, IsOpen: true, _time.GetUtcNow().AddSeconds(60), "other-instance", _time.GetUtcNow()));

        var refused = await ExecuteAsync(backend, HttpStatusCode.OK);
        Assert.Equal(TimeSpan.FromSeconds(60), Assert.IsType<BrokenCircuitException>(refused.Exception).RetryAfter);

        _time.Advance(TimeSpan.FromSeconds(61));
        var trial = await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        Assert.Null(trial.Exception); // the trial reached the backend, which still fails
        Assert.Equal(CircuitState.Open, backend.CircuitState);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), backend.OpenUntil);
    }

    [Fact]
    public async Task Breaker_RecordOfAnotherConfiguration_IsIgnored()
    {
        var backend = Backend(minimumThroughput: 20, samplingSeconds: 10);
        backend.Adopt(new CircuitBreakerRecord("b", "another-hash", IsOpen: true, _time.GetUtcNow().AddSeconds(60), "other-instance", _time.GetUtcNow()));

        var outcome = await ExecuteAsync(backend, HttpStatusCode.OK);

        Assert.Null(outcome.Exception);
        Assert.Equal(CircuitState.Closed, backend.CircuitState);
    }

    [Fact]
    public async Task Breaker_AdoptedCloseOlderThanOwnOpening_IsIgnored()
    {
        var backend = Backend(minimumThroughput: 2, samplingSeconds: 10);
        var before = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(1));
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);

        backend.Adopt(new CircuitBreakerRecord("b", backend.ConfigHash, IsOpen: false, before, "other-instance", before));
        Assert.Equal(CircuitState.Open, backend.CircuitState);

        backend.Adopt(new CircuitBreakerRecord("b", backend.ConfigHash, IsOpen: false, _time.GetUtcNow().AddSeconds(1), "other-instance", _time.GetUtcNow().AddSeconds(1)));
        Assert.Equal(CircuitState.Closed, backend.CircuitState);
    }

    /// <summary>
    /// A call that entered while the circuit was closed and fails after another instance's open was adopted decides
    /// nothing: the adopted break keeps its end (the failure used to overwrite it with its own, shorter, break).
    /// </summary>
    [Fact]
    public async Task Breaker_CallInFlightFailsAfterAnAdoptedOpen_TheAdoptedEndStands()
    {
        var backend = Backend(minimumThroughput: 2, samplingSeconds: 10);
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        var release = new TaskCompletionSource<HttpStatusCode>();
        var inFlight = ExecuteAsync(backend, release.Task);
        var adoptedEnd = _time.GetUtcNow().AddSeconds(60);
        backend.Adopt(new CircuitBreakerRecord("b", backend.ConfigHash, IsOpen: true, adoptedEnd, "other-instance", _time.GetUtcNow()));
        Assert.Equal(adoptedEnd, backend.OpenUntil);

        _time.Advance(TimeSpan.FromSeconds(5));
        release.SetResult(HttpStatusCode.ServiceUnavailable); // two failures of two calls: the ratio, had it been closed

        Assert.Null((await inFlight).Exception);
        Assert.Equal(CircuitState.Open, backend.CircuitState);
        Assert.Equal(adoptedEnd, backend.OpenUntil);
    }

    /// <summary>
    /// While this instance's own trial is out, another instance's open is not adopted: the trial decides, and its
    /// success closes the circuit (an adopted open used to replace the half-open state, and the success was lost).
    /// </summary>
    [Fact]
    public async Task Breaker_OwnTrialOut_AnotherInstancesOpenWaitsForItsVerdict()
    {
        var backend = Backend(minimumThroughput: 2, samplingSeconds: 10);
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        await ExecuteAsync(backend, HttpStatusCode.ServiceUnavailable);
        _time.Advance(TimeSpan.FromSeconds(31));
        var release = new TaskCompletionSource<HttpStatusCode>();
        var trial = ExecuteAsync(backend, release.Task);
        Assert.Equal(CircuitState.HalfOpen, backend.CircuitState);

        backend.Adopt(new CircuitBreakerRecord("b", backend.ConfigHash, IsOpen: true, _time.GetUtcNow().AddSeconds(60), "other-instance", _time.GetUtcNow()));
        Assert.Equal(CircuitState.HalfOpen, backend.CircuitState);
        release.SetResult(HttpStatusCode.OK);

        Assert.Null((await trial).Exception);
        Assert.Equal(CircuitState.Closed, backend.CircuitState);
    }

    private BackendResilience Backend(int minimumThroughput, int samplingSeconds)
    {
        var settings = new BackendResilienceSettings
        {
            FailureStatusCodes = new StatusCodeSet([503]),
            MinimumThroughput = minimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(samplingSeconds),
            BreakDuration = TimeSpan.FromSeconds(30),
        };
        return _services.GetRequiredService<BackendResilienceRegistry>().GetOrCreate("b", Guid.NewGuid().ToString("N"), settings, _services.GetRequiredService<UpstreamClient>());
    }

    private static Task<Outcome<HttpResponseMessage>> ExecuteAsync(BackendResilience backend, HttpStatusCode status) =>
        ExecuteAsync(backend, Task.FromResult(status));

    private static async Task<Outcome<HttpResponseMessage>> ExecuteAsync(BackendResilience backend, Task<HttpStatusCode> status)
    {
        // The breaker as every attempt consults it: enter, call, record.
        if (backend.Breaker!.TryEnter("route", out var trial) is { } refused)
        {
            return Outcome.FromException<HttpResponseMessage>(refused);
        }

        var outcome = Outcome.FromResult(new HttpResponseMessage(await status));
        backend.Breaker.Record(outcome, trial, "route");
        return outcome;
    }
}
