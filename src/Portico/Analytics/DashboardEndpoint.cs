using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Admin;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Analytics;

/// <summary>
/// <c>GET {prefix}/admin/dashboard</c> and the files below it: the dashboard page, its script and styles and the uPlot
/// charting library, all embedded in the assembly (no CDN). They hold no data, so they are an
/// <see cref="PorticoEndpointAccess.AdminPage"/>: the page asks for the admin credential and sends it with each call to the
/// admin API, which the admin policy checks as for any other caller.
/// </summary>
internal sealed class DashboardEndpoint : IPorticoEndpoint
{
    /// <summary>
    /// The page's own policy: its script, styles and calls come from the gateway itself and nowhere else; nothing may frame it.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private const string ResourcePrefix = "Portico.Dashboard.";

    private static readonly FrozenDictionary<string, (byte[] Body, string ContentType)> Files = Load();

    public string Path => "/admin/dashboard";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.AdminPage;

    public bool IsSubtree => true;

    public Task HandleAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var name = context.EndpointSubpath.Length == 0 ? "index.html" : context.EndpointSubpath[1..];
        if (!Files.TryGetValue(name, out var file))
        {
            return ProblemResponse.WriteAsync(http, GatewayProblems.RouteNotFound);
        }

        var response = http.Response;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers[HeaderNames.CacheControl] = "no-cache";
        response.ContentType = file.ContentType;
        response.ContentLength = file.Body.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(file.Body).AsTask();
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardEndpoint).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[ResourcePrefix.Length..];
            files[name] = (copy.ToArray(), ContentTypeOf(name));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => System.IO.Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
}
