using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>
/// A backend's circuit through the real gateway, on a fake clock so the break is exact: it opens after its
/// threshold, stays open without calling the backend, lets one trial through, and closes once the backend recovers.
/// </summary>
public sealed class CircuitBreakerTests : IAsyncLifetime
{
    private const string Breaker = """{ "circuitBreaker": { "failureRatio": 0.5, "minimumThroughput": 4, "samplingDuration": "30s", "breakDuration": "30s" } }""";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private int _status = 503;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private MetricRecorder _metrics = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(context =>
        {
            context.Response.StatusCode = Volatile.Read(ref _status);
            return context.Response.WriteAsync("backend");
        });
        _gateway = await ResilienceGateway.StartAsync(
            _backend.Url, """{ "retry": { "maxAttempts": 1 } }""", Breaker, services => services.AddSingleton<TimeProvider>(_time));
        _metrics = new MetricRecorder(_gateway.Services);
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Breaker_FailuresReachThreshold_OpensAndStopsCallingTheBackend()
    {
        await FailThresholdAsync();

        for (int i = 0; i < 5; i++)
        {
            using var response = await _gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "circuit-open");
            Assert.Equal("30", response.Headers.RetryAfter?.ToString());
        }

        Assert.Equal(4, _backend.Count);
        Assert.Equal(CircuitState.Open, _gateway.Services.Backend("b").CircuitState);
        Assert.Equal(5, _metrics.Sum("portico.resilience.rejections", ("portico.backend", "b"), ("portico.route", "r"), ("reason", "circuit-open")));
        Assert.Equal(1, _metrics.Sum("portico.resilience.circuit.transitions", ("portico.backend", "b"), ("state", "open"), ("source", "local")));
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 403 && e.Message.Contains("backend b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Breaker_BreakNotOver_StaysOpenWithShrinkingRetryAfter()
    {
        await FailThresholdAsync();
        _time.Advance(TimeSpan.FromSeconds(20));

        using var response = await _gateway.Client.GetAsync("/r/x");

        await ProblemAssert.ReadAsync(response, "circuit-open");
        Assert.Equal("10", response.Headers.RetryAfter?.ToString());
        Assert.Equal(4, _backend.Count);
    }

    [Fact]
    public async Task Breaker_BreakOverBackendStillFailing_OneTrialThenOpenAgain()
    {
        await FailThresholdAsync();
        _time.Advance(TimeSpan.FromSeconds(31));

        using (var trial = await _gateway.Client.GetAsync("/r/x"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, trial.StatusCode);
            Assert.Equal("backend", await trial.Content.ReadAsStringAsync()); // the trial reached the backend
        }

        Assert.Equal(5, _backend.Count);
        using (var after = await _gateway.Client.GetAsync("/r/x"))
        {
            await ProblemAssert.ReadAsync(after, "circuit-open");
        }

        Assert.Equal(5, _backend.Count);
        Assert.Equal(1, _metrics.Sum("portico.resilience.circuit.transitions", ("state", "half-open")));
        Assert.Equal(2, _metrics.Sum("portico.resilience.circuit.transitions", ("state", "open")));
    }

    [Fact]
    public async Task Breaker_BackendRecovered_TrialClosesTheCircuit()
    {
        await FailThresholdAsync();
        Volatile.Write(ref _status, 200);
        _time.Advance(TimeSpan.FromSeconds(31));

        for (int i = 0; i < 3; i++)
        {
            using var response = await _gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(7, _backend.Count);
        Assert.Equal(CircuitState.Closed, _gateway.Services.Backend("b").CircuitState);
        Assert.Equal(1, _metrics.Sum("portico.resilience.circuit.transitions", ("state", "closed"), ("source", "local")));
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 405);
    }

    [Fact]
    public async Task Breaker_FailuresBelowMinimumThroughput_StaysClosed()
    {
        for (int i = 0; i < 3; i++)
        {
            using var response = await _gateway.Client.GetAsync("/r/x");
            Assert.Equal("backend", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(CircuitState.Closed, _gateway.Services.Backend("b").CircuitState);
    }

    [Fact]
    public async Task Breaker_FailureRatioBelowThreshold_StaysClosed()
    {
        for (int i = 0; i < 10; i++)
        {
            Volatile.Write(ref _status, i % 3 == 1 ? 503 : 200); // at most 40% failures whenever 4 or more calls are in the window
            using var response = await _gateway.Client.GetAsync("/r/x");
            Assert.Equal("backend", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(CircuitState.Closed, _gateway.Services.Backend("b").CircuitState);
        Assert.Equal(10, _backend.Count);
    }

    private async Task FailThresholdAsync()
    {
        for (int i = 0; i < 4; i++)
        {
            using var response = await _gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("backend", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(4, _backend.Count);
    }
}
