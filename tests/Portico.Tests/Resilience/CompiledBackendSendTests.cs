using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary><c>CompiledBackend.SendAsync</c>, the seam composite routes call, applies the backend's resilience too.</summary>
public sealed class CompiledBackendSendTests
{
    [Fact]
    public async Task SendAsync_TransientFailure_RetriedWithTheDefaultPolicy()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Status(503), Faults.Ok("second")));
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url);
        var compiled = gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"];

        using var request = new HttpRequestMessage(HttpMethod.Get, compiled.UriFor("/items"));
        using var response = await compiled.SendAsync(request, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task SendAsync_CircuitOpen_RefusedWithoutCallingTheBackend()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "retry": { "maxAttempts": 1 } }""", """{ "circuitBreaker": { "minimumThroughput": 2, "breakDuration": "5m" }, "retryBudget": { "ratio": 0, "minRetriesPerSecond": 0 } }""");
        for (int i = 0; i < 2; i++)
        {
            using var failed = await gateway.Client.GetAsync("/r/x");
        }

        var compiled = gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"];
        using var request = new HttpRequestMessage(HttpMethod.Get, compiled.UriFor("/items"));
        var refused = await Assert.ThrowsAsync<BrokenCircuitException>(() => compiled.SendAsync(request, CancellationToken.None));

        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task SendAsync_PostWithBody_SentOnceAndNotRetried()
    {
        await using var backend = await TestBackend.StartAsync(Faults.EchoBody(failFirst: 1));
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url);
        var compiled = gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"];

        using var request = new HttpRequestMessage(HttpMethod.Post, compiled.UriFor("/orders")) { Content = new StringContent("order") };
        using var response = await compiled.SendAsync(request, CancellationToken.None);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, backend.Count);
    }
}
