using System.Text.Json;

namespace Portico.Functions.TestHost;

/// <summary>What the test host reads from the app's <c>host.json</c>: the HTTP route prefix (default <c>api</c>).</summary>
internal static class HostJson
{
    public static string RoutePrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No host.json in {appDirectory}: the Functions host needs one.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            && prefix.ValueKind == JsonValueKind.String)
        {
            return prefix.GetString()!.Trim('/');
        }

        return "api";
    }
}
