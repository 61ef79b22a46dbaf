using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Caching;

/// <summary>
/// A real Kestrel backend whose answer per path a test sets, counting the calls per path, behind a real gateway whose
/// clock is a <see cref="FakeTimeProvider"/> (started at the real time, so the backend's <c>Date</c> agrees with it).
/// </summary>
internal sealed class CachingHarness : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<HttpContext, int, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<IHeaderDictionary>> _received = new(StringComparer.Ordinal);

    private CachingHarness()
    {
    }

    public TestBackend Backend { get; private set; } = null!;

    public GatewayHost Gateway { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    public HttpClient Client => Gateway.Client;

    /// <summary>Starts the backend and a gateway with <paramref name="registry"/> (where <c>{backend}</c> is the backend's URL).</summary>
    public static async Task<CachingHarness> StartAsync(string registry, IDictionary<string, string?>? settings = null, bool fakeTime = true)
    {
        var harness = new CachingHarness();
        harness.Backend = await TestBackend.StartAsync(harness.HandleAsync);
        harness.Gateway = await GatewayHost.StartWithFileAsync(
            registry.Replace("{backend}", harness.Backend.Url, StringComparison.Ordinal),
            settings,
            services =>
            {
                if (fakeTime)
                {
                    services.AddSingleton<TimeProvider>(harness.Time);
                }
            });
        return harness;
    }

    /// <summary>A registry with one anonymous proxy route <c>/{**rest}</c> whose cache block is <paramref name="cacheJson"/>.</summary>
    public static string Registry(string cacheJson = "{}", string auth = "anonymous", string extraRoute = "") => $$"""
    {
      "backends": [ { "id": "origin", "url": "{backend}" } ],
      "routes": [
        {{extraRoute}}
        { "id": "cached", "auth": "{{auth}}", "match": { "path": "/{**rest}" }, "backend": "origin", "cache": {{cacheJson}} }
      ]
    }
    """;

    /// <summary>Answers requests for <paramref name="path"/> with <paramref name="handler"/> (given the call number, from 1).</summary>
    public void On(string path, Func<HttpContext, int, Task> handler) => _handlers[path] = handler;

    /// <summary>Answers <paramref name="path"/> with 200, <paramref name="body"/> and the given headers.</summary>
    public void Respond(string path, string body, params (string Name, string Value)[] headers) => On(path, (context, call) =>
    {
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }

        return context.Response.WriteAsync(body.Replace("{call}", call.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    });

    /// <summary>Backend calls for <paramref name="path"/> so far.</summary>
    public int Calls(string path) => _calls.TryGetValue(path, out var count) ? count : 0;

    /// <summary>The request headers of each backend call for <paramref name="path"/>, in order.</summary>
    public IReadOnlyList<IHeaderDictionary> Received(string path) => _received.TryGetValue(path, out var queue) ? [.. queue] : [];

    public Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Get, path, headers);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request);
    }

    public T Service<T>() where T : notnull => Gateway.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var call = _calls.AddOrUpdate(path, 1, (_, n) => n + 1);
        var copy = new HeaderDictionary();
        foreach (var (name, value) in context.Request.Headers)
        {
            copy[name] = value;
        }

        _received.GetOrAdd(path, _ => new()).Enqueue(copy);

        // The backend's clock is the gateway's fake one, as a real origin's clock agrees with the gateway's.
        context.Response.Headers.Date = Time.GetUtcNow().ToString("R");
        if (_handlers.TryGetValue(path, out var handler))
        {
            await handler(context, call);
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }
}
