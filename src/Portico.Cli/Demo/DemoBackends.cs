using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portico.Cli.Demo;

/// <summary>
/// Small loopback services behind the demo configuration (users, orders, recommendations, an echo), so the README's examples
/// work on a machine with nothing but the .NET SDK.
/// </summary>
internal sealed class DemoBackends : IAsyncDisposable
{
    /// <summary>Where the demo backends listen by default; <c>demo/portico.json</c> points at it.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7080";

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

    /// <summary>The address the backends listen on (the bound port when started on port 0).</summary>
    public string Url { get; }

    /// <summary>The demo registry file, copied beside the program.</summary>
    public static string ConfigurationPath => Path.Combine(AppContext.BaseDirectory, "demo", "portico.json");

    /// <summary>Starts the backends on <paramref name="url"/> (default <see cref="DefaultUrl"/>); null (with a message) when the port is taken.</summary>
    public static async Task<DemoBackends?> StartAsync(TextWriter error, CancellationToken cancellationToken, string url = DefaultUrl)
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
        catch (IOException ex)
        {
            await error.WriteLineAsync($"portico: the demo backends cannot listen on {url}: {ex.Message}");
            await app.DisposeAsync();
            return null;
        }

        return new DemoBackends(app, app.Urls.First().TrimEnd('/'));
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
            ? Results.Json(user)
            : Results.Problem(statusCode: 404, title: "No such user"));

        app.MapGet("/orders", (string? user) => Results.Json(new
        {
            user,
            orders = user == "42"
                ? new object[] { new { id = "o-1001", total = 42.5 }, new { id = "o-1002", total = 7.25 } }
                : [],
        }));

        app.MapGet("/recommendations/{userId}", (string userId) => Recommendations.TryGetValue(userId, out var recommendations)
            ? Results.Json(recommendations)
            : Results.Problem(statusCode: 503, title: "Recommendations are unavailable"));

        app.Map("/echo/{**rest}", async (HttpContext context) =>
        {
            var request = context.Request;
            var body = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
            var headers = EchoedHeaders
                .Where(h => request.Headers.ContainsKey(h))
                .ToDictionary(h => h, h => request.Headers[h].ToString());
            return Results.Json(new
            {
                method = request.Method,
                path = request.Path.Value,
                query = request.QueryString.Value,
                headers,
                bodyLength = body.Length,
            }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        });
    }
}
