using System.Globalization;
using System.Text;

// The benchmark's backend: every path answers the same fixed 1 KB body; /delay/{ms} answers it after waiting
// {ms} milliseconds (at most 10 s), for scenarios that need a slow backend (aggregation, timeouts). A request
// with "X-Bench-Echo: Name1, Name2" gets the values it carried in those headers back as "X-Echo-Name1" …, so a
// scenario can check what the gateway sent upstream. Paths under /json (/json/delay/20) answer a 1 KB JSON
// object instead, for composite routes, whose parts must answer JSON. Paths under /etag answer with a fixed
// ETag and "Cache-Control: no-cache", and with 304 and no body to a request whose If-None-Match carries that
// ETag, for the cache's revalidation scenario. It does as little as Kestrel allows so that it is never what
// limits a run.
var urls = args.Length > 0 ? args[0] : "http://127.0.0.1:19080";
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseUrls(urls);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.ClearProviders();
var app = builder.Build();

var body = Payload.Create(1024);
var json = Payload.CreateJson(1024);
app.Run(async context =>
{
    var request = context.Request;
    var path = request.Path;
    var isJson = path.StartsWithSegments("/json", out var afterJson);
    if (isJson)
    {
        path = afterJson;
    }

    if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
    {
        // Read the request body to the end, as a real service would, and drop it.
        await request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
    }

    if (path.StartsWithSegments("/delay", out var rest)
        && int.TryParse(rest.Value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
    {
        await Task.Delay(Math.Min(ms, 10_000), context.RequestAborted);
    }

    var response = context.Response;
    if (path.StartsWithSegments("/etag"))
    {
        response.Headers.ETag = Payload.ETag;
        response.Headers.CacheControl = "no-cache";
        if (request.Headers.IfNoneMatch.ToString().Contains(Payload.ETag, StringComparison.Ordinal))
        {
            response.StatusCode = 304;
            return;
        }
    }

    foreach (var name in request.Headers["X-Bench-Echo"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        response.Headers["X-Echo-" + name] = request.Headers[name].ToString();
    }

    var payload = isJson ? json : body;
    response.StatusCode = 200;
    response.ContentType = isJson ? "application/json" : "text/plain";
    response.ContentLength = payload.Length;
    await response.Body.WriteAsync(payload, context.RequestAborted);
});

app.Run();

/// <summary>The fixed response body.</summary>
internal static class Payload
{
    /// <summary>The entity tag of every answer under <c>/etag</c>: the body never changes.</summary>
    public const string ETag = "\"portico-bench-1k\"";

    /// <summary>
    /// <paramref name="size"/> bytes of printable text, ending in a newline, so a check can compare it exactly:
    /// the line "portico-bench 1k" repeated.
    /// </summary>
    public static byte[] Create(int size)
    {
        var text = new StringBuilder(size);
        while (text.Length < size - 1)
        {
            text.Append("portico-bench 1k ");
        }

        text.Length = size - 1;
        text.Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>
    /// A JSON object of exactly <paramref name="size"/> bytes: <c>{"bench":"portico-bench 1k portico-bench 1k …"}</c>.
    /// </summary>
    public static byte[] CreateJson(int size)
    {
        const string Start = "{\"bench\":\"";
        const string End = "\"}";
        var text = new StringBuilder(Start, size);
        while (text.Length < size - End.Length)
        {
            text.Append("portico-bench 1k ");
        }

        text.Length = size - End.Length;
        text.Append(End);
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
