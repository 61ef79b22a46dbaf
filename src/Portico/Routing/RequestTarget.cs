using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Portico.Routing;

/// <summary>
/// The request's path and query exactly as the client sent them (<see cref="IHttpRequestFeature.RawTarget"/>),
/// beside the decoded path the server made of them and the routes match. Forwarding starts from these bytes, so the
/// backend sees the client's percent-encoding unless a rewrite says otherwise.
/// </summary>
internal readonly struct RequestTarget
{
    private readonly string _raw;
    private readonly int _pathStart;
    private readonly int _pathEnd;

    private RequestTarget(string raw, int pathStart, int pathEnd)
    {
        _raw = raw;
        _pathStart = pathStart;
        _pathEnd = pathEnd;
    }

    /// <summary>The raw path (after the host's path base), as sent; <c>/</c> when the target has none.</summary>
    public ReadOnlyMemory<char> Path => _pathEnd > _pathStart ? _raw.AsMemory(_pathStart, _pathEnd - _pathStart) : "/".AsMemory();

    /// <summary>
    /// Reads the request's target; null when it can be forwarded, otherwise why not, in words for the client: a path
    /// <see cref="RawPathRules"/> refuses, no path at all (<c>OPTIONS *</c>), or a path whose segments the server
    /// changed while decoding it (the absolute form decodes <c>%2F</c>), so that what matched is not what was sent.
    /// </summary>
    public static string? Read(HttpContext http, out RequestTarget target)
    {
        var request = http.Request;
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            // A server that keeps no raw target: forward what it decoded, encoded again.
            raw = request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        }

        target = default;
        var pathStart = 0;
        if (raw[0] != '/')
        {
            // The absolute form (RFC 9112 §3.2.2): the path starts after the authority. Anything else (the asterisk
            // form of OPTIONS *, the authority form of CONNECT) has no path to forward.
            var scheme = raw.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0 || !(raw.AsSpan(0, scheme).Equals("http", StringComparison.OrdinalIgnoreCase) || raw.AsSpan(0, scheme).Equals("https", StringComparison.OrdinalIgnoreCase)))
            {
                return "The request target has no path.";
            }

            var afterAuthority = raw.AsSpan(scheme + 3).IndexOfAny('/', '?');
            pathStart = afterAuthority < 0 ? raw.Length : scheme + 3 + afterAuthority;
        }

        var query = raw.IndexOf('?', pathStart);
        var pathEnd = query < 0 ? raw.Length : query;
        var path = raw.AsSpan(pathStart, pathEnd - pathStart);
        if (!path.IsEmpty && RawPathRules.Check(path) is { } refused)
        {
            return refused;
        }

        // The server's decoding keeps every segment (RawPathRules refused dot segments, and %2F stays encoded), so
        // the raw path and the decoded one have the same segments; the path base's come first.
        var baseSegments = request.PathBase.HasValue ? request.PathBase.Value!.AsSpan().Count('/') : 0;
        var decodedSegments = baseSegments + (request.Path.Value?.AsSpan().Count('/') ?? 0);
        if (!path.IsEmpty && path.Count('/') != decodedSegments)
        {
            return "The path cannot be forwarded as it was sent; send it in origin form (starting with '/').";
        }

        if (baseSegments > 0)
        {
            pathStart += RawSegments.StartOf(path, baseSegments);
        }

        target = new RequestTarget(raw, pathStart, pathEnd);
        return null;
    }
}
