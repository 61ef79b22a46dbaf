using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Proxy;
using Portico.Resilience;

namespace Portico.Bench.Pipeline;

/// <summary>
/// What one proxied request pays for its resilience pipeline, without the network: the same GET sent through the
/// plain invoker (what <c>Portico:Resilience:Enabled=false</c> hands the forwarder) and through the route invokers
/// a registry compiles, over a handler that answers 200 after yielding once, so every asynchronous layer really
/// suspends and resumes as it does over a socket. The differences are the pipeline's time and bytes per request.
/// </summary>
[MemoryDiagnoser]
public class ResiliencePipelineBenchmarks
{
    private static readonly Uri Target = new("http://bench.invalid/plain/1k");

    // The forwarder passes a cancellable token (its activity timeout), which the pipeline's timeout links to.
    private readonly CancellationTokenSource _caller = new();
    private ServiceProvider _services = null!;
    private HttpMessageInvoker _plain = null!;
    private HttpMessageInvoker _default = null!;
    private HttpMessageInvoker _noRetries = null!;
    private HttpMessageInvoker _attemptTimeout = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddLogging().AddPortico().BuildServiceProvider();
        var compiler = _services.GetRequiredService<ResilienceCompiler>();
        _plain = new HttpMessageInvoker(new AnsweringHandler());
        var client = new UpstreamClient(_plain);
        var definition = new BackendDefinition { Id = "bench", Url = "http://bench.invalid" };
        var settings = compiler.CompileBackend(null, (field, message) => throw new InvalidOperationException($"{field}: {message}"))!;
        var backend = new CompiledBackend(definition, client, compiler.BuildBackend(definition, settings, client));
        var backends = new Dictionary<string, CompiledBackend> { ["bench"] = backend };

        _default = compiler.BuildRoute("default", backend, RouteResilienceSettings.Default, backends);
        _noRetries = compiler.BuildRoute("no-retries", backend, RouteResilienceSettings.Default with { MaxAttempts = 1 }, backends);
        _attemptTimeout = compiler.BuildRoute("attempt-timeout", backend, RouteResilienceSettings.Default with { AttemptTimeout = TimeSpan.FromSeconds(5) }, backends);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _caller.Dispose();
    }

    [Benchmark(Baseline = true, Description = "resilience off (plain invoker)")]
    public Task Off() => SendAsync(_plain, _caller.Token);

    [Benchmark(Description = "default pipeline")]
    public Task Default() => SendAsync(_default, _caller.Token);

    [Benchmark(Description = "default, retries off")]
    public Task NoRetries() => SendAsync(_noRetries, _caller.Token);

    [Benchmark(Description = "default plus an attempt timeout")]
    public Task AttemptTimeout() => SendAsync(_attemptTimeout, _caller.Token);

    private static async Task SendAsync(HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Target);
        using var response = await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"unexpected {response.StatusCode}");
        }
    }

    /// <summary>Answers every request 200 after one real suspension.</summary>
    private sealed class AnsweringHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request };
        }
    }
}
