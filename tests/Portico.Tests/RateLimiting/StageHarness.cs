using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.RateLimiting;
using Portico.Registry;
using Portico.Security;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Runs <see cref="RateLimitStage"/> on requests with an identity set by the test, as authentication will set it,
/// over a registry file compiled by the engine, on a fake clock.
/// </summary>
internal sealed class StageHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly TempDirectory _directory;
    private readonly string _path;

    private StageHarness(ServiceProvider services, TempDirectory directory, string path)
    {
        _services = services;
        _directory = directory;
        _path = path;
        Runtime = services.GetRequiredService<RegistryRuntime>();
        Stage = services.GetRequiredService<RateLimitStage>();
    }

    public RegistryRuntime Runtime { get; }

    public RateLimitStage Stage { get; }

    public static async Task<StageHarness> StartAsync(string registryJson)
    {
        var directory = new TempDirectory();
        var path = directory.File("portico.json");
        await File.WriteAllTextAsync(path, registryJson);
        var time = new FakeTimeProvider(RateLimitTestKit.Noon);
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<IRegistryStore>(new FileRegistryStore(path, watch: false))
            .AddPortico()
            .BuildServiceProvider();
        var harness = new StageHarness(services, directory, path);
        await services.InitializePorticoAsync();
        return harness;
    }

    /// <summary>The clock the engine uses.</summary>
    public FakeTimeProvider Clock => (FakeTimeProvider)_services.GetRequiredService<TimeProvider>();

    /// <summary>Replaces the registry file and reloads it, as the monitor does within the reload interval.</summary>
    public async Task ReloadAsync(string registryJson)
    {
        await File.WriteAllTextAsync(_path, registryJson);
        var outcome = await Runtime.ReloadAsync(CancellationToken.None);
        Assert.True(outcome.Kind == ReloadKind.Applied, string.Join("; ", outcome.Errors));
    }

    /// <summary>Sends one request through the stage; <paramref name="next"/> stands for the rest of the pipeline.</summary>
    public async Task<Answer> SendAsync(
        string path,
        string? consumer = null,
        string client = "203.0.113.7",
        IReadOnlyDictionary<string, string>? headers = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? claims = null,
        Func<Task>? next = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Path = path;
        http.Connection.RemoteIpAddress = IPAddress.Parse(client);
        http.Response.Body = new MemoryStream();
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            http.Request.Headers[name] = value;
        }

        var context = new GatewayContext(http, Runtime.Current, _services.GetRequiredService<ForwardedHeadersPolicy>());
        http.Features.Set(context);
        context.Route = Runtime.Current.Routes.Match(http, context.RouteValues, out _) ?? throw new InvalidOperationException($"no route for {path}");
        if (consumer is not null || claims is not null)
        {
            context.Identity = new GatewayIdentity
            {
                Method = "apiKey",
                ConsumerId = consumer,
                Subject = consumer,
                Claims = claims ?? new Dictionary<string, IReadOnlyList<string>>(),
            };
        }

        var passed = false;
        await Stage.InvokeAsync(context, async _ =>
        {
            passed = true;
            if (next is not null)
            {
                await next();
            }
        });

        http.Response.Body.Position = 0;
        var body = await new StreamReader(http.Response.Body, Encoding.UTF8).ReadToEndAsync();
        return new Answer(passed ? 200 : http.Response.StatusCode, http.Response.Headers, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>What the client got: 200 when the request went on through the pipeline.</summary>
    public sealed record Answer(int Status, IHeaderDictionary Headers, string Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value.ToString() : null;
    }
}
