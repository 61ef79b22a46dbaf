using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portico.Cli.Demo;

/// <summary>
/// Small loopback services behind the demo configuration (users, orders, recommendations, an echo), so the README's examples
/// work on a machine with nothing but the .NET SDK.
/// </summary>
internal sealed class DemoBackends : IAsyncDisposable
{
    /// <summary>Where the demo backends listen when the port is free; <c>demo/portico.json</c> points at it.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7080";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static readonly string[] EchoedHeaders = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Api-Key", "X-Portico-Consumer", "X-Portico-Auth-Method"];

    private static readonly Dictionary<string, object> Users = new()
    {
        ["42"] = new { id = "42", name = "Ada Lovelace", plan = "pro" },
        ["7"] = new { id = "7", name = "Alan Turing", plan = "free" },
    };

    // The recommendations service knows only Ada; for anyone else it is "down", which shows a partial answer.
    private static readonly Dictionary<string, object> Recommendations = new()
    {
        ["42"] = new { userId = "42", items = new[] { new { sku = "b-17", title = "Sketch of the Analytical Engine" } } },
    };

    private readonly WebApplication _app;

    private DemoBackends(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where these backends listen: <see cref="DefaultUrl"/>, or a free port when that one was taken.</summary>
    public string Url { get; }

    /// <summary>The demo registry file, copied beside the program.</summary>
    public static string ConfigurationPath => Path.Combine(AppContext.BaseDirectory, "demo", "portico.json");

    /// <summary>
    /// Starts the backends on <paramref name="url"/> (default <see cref="DefaultUrl"/>); when its port is taken, on a
    /// free port if <paramref name="anyPortWhenTaken"/>, else null with a message.
    /// </summary>
    public static async Task<DemoBackends?> StartAsync(TextWriter error, bool anyPortWhenTaken, CancellationToken cancellationToken, string url = DefaultUrl)
    {
        if (await TryStartAsync(url, cancellationToken) is { } backends)
        {
            return backends;
        }

        if (!anyPortWhenTaken)
        {
            await error.WriteLineAsync($"portico demo: cannot listen: {url} is in use (portico serve --demo picks another port by itself).");
            return null;
        }

        return await TryStartAsync("http://127.0.0.1:0", cancellationToken)
            ?? throw new IOException("the demo backends found no free port on 127.0.0.1");
    }

    private static async Task<DemoBackends?> TryStartAsync(string url, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException)
        {
            await app.DisposeAsync();
            return null;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DemoBackends(app, bound.TrimEnd('/'));
    }

    /// <summary>
    /// The demo registry pointed at <see cref="Url"/>: the bundled file when the backends have their default address,
    /// else a copy with the address replaced, written into <paramref name="directory"/>.
    /// </summary>
    public async Task<string> RegistryFileAsync(string directory, CancellationToken cancellationToken)
    {
        if (Url == DefaultUrl)
        {
            return ConfigurationPath;
        }

        var text = await File.ReadAllTextAsync(ConfigurationPath, cancellationToken);
        var path = Path.Combine(directory, "portico.json");
        await File.WriteAllTextAsync(path, text.Replace(DefaultUrl, Url, StringComparison.Ordinal), cancellationToken);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Runs until cancelled (for <c>portico demo</c>).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    private static void Map(WebApplication app)
    {
        app.MapGet("/users/{id}", (string id) => Users.TryGetValue(id, out var user)
            ? Json(user)
            : Results.Problem(statusCode: 404, title: "No such user"));

        app.MapGet("/orders", (string? user) => Json(new
        {
            user,
            orders = user == "42"
                ? new object[] { new { id = "o-1001", total = 42.5 }, new { id = "o-1002", total = 7.25 } }
                : [],
        }));

        app.MapGet("/recommendations/{userId}", (string userId) => Recommendations.TryGetValue(userId, out var recommendations)
            ? Json(recommendations)
            : Results.Problem(statusCode: 503, title: "Recommendations are unavailable"));

        app.Map("/echo/{**rest}", async (HttpContext context) =>
        {
            var request = context.Request;
            var body = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
            var headers = EchoedHeaders
                .Where(h => request.Headers.ContainsKey(h))
                .ToDictionary(h => h, h => request.Headers[h].ToString());
            return Json(new
            {
                method = request.Method,
                path = request.Path.Value,
                query = request.QueryString.Value,
                headers,
                bodyLength = body.Length,
            });
        });
    }

    /// <summary>A JSON answer ending with a newline, so curl's output ends its line as the README shows.</summary>
    private static IResult Json(object value) =>
        Results.Text(JsonSerializer.Serialize(value, JsonOptions) + "\n", "application/json", System.Text.Encoding.UTF8);
}
