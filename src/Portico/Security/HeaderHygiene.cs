using System.Buffers;
using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portico.Problems;

namespace Portico.Security;

/// <summary>
/// The request headers a client must never get through to a backend: forwarding, address, scheme, URL, certificate
/// and identity headers that backends trust when a front end sets them, method overrides, headers added by the Azure
/// Functions / App Service front ends, and hop-by-hop headers; and the headers that cannot be forwarded at all (not
/// valid HTTP fields), which are the client's fault. docs/security.md lists every one and who honours it.
/// </summary>
internal static class HeaderHygiene
{
    // RFC 9110 §5.6.2: a field name is a token.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // RFC 9110 §5.5: a field value holds visible characters, spaces, tabs and obs-text (octets above 0x7F, which
    // arrive as UTF-8 and are forwarded as such); every other control character is invalid.
    private static readonly SearchValues<char> InvalidValueChars = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    // Reserved: what the gateway itself writes (forwarding and identity headers), what App Service and the Functions
    // host add on their hop (a client can forge all of them), method overrides, and hop-by-hop proxy headers (the
    // forwarder removes the standard ones; the rest describe a proxy hop too). Neither a client nor a composite
    // route's configuration may send these. "Proxy" is no header of HTTP's, but CGI-style backends turn it into
    // HTTP_PROXY (httpoxy, CVE-2016-5385).
    private static readonly string[] ReservedNames =
    [
        "Proxy",
        "Forwarded", "X-Real-IP", "X-Client-IP", "X-Client-Port", "Client-IP",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
        "x-ms-invocation-id", "DISGUISED-HOST", "WAS-DEFAULT-HOSTNAME", "X-SITE-DEPLOYMENT-ID",
        "X-AppService-Proto", "X-WAWS-Unencoded-URL", "X-Forwarded-TlsVersion",
    ];

    private static readonly string[] ReservedPrefixes =
    [
        "Proxy-", "X-Forwarded-", "X-ARR-", "X-Original-", "X-MS-CLIENT-PRINCIPAL", "X-MS-TOKEN-",
    ];

    // Trusted by backends when a front end sets them, so never taken from a client (docs/security.md lists who
    // honours which). A composite route's configuration may still send them, from values the gateway verified.
    private static readonly string[] TrustedNames =
    [
        // The URL or host to serve: Symfony, Zend/Laminas and IIS URL Rewrite read X-Rewrite-URL and X-Original-URL.
        "X-Rewrite-URL", "X-Override-URL", "X-HTTP-Destinationurl", "X-Host", "X-HTTP-Host-Override",
        // The client's address, as CDNs and load balancers (Akamai, Cloudflare, Fastly, Azure Front Door) set it.
        "True-Client-IP", "CF-Connecting-IP", "CF-Connecting-IPv6", "Fastly-Client-IP", "X-Cluster-Client-IP",
        "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr", "X-ProxyUser-Ip",
        "X-Azure-ClientIP", "X-Azure-SocketIP", "X-Azure-FDID",
        // The scheme the client used.
        "Front-End-Https", "X-Url-Scheme", "X-Scheme", "CF-Visitor",
        // A client certificate a TLS-terminating proxy verified (ASP.NET Core's certificate forwarding reads X-Client-Cert).
        "X-Client-Cert", "X-Client-Verify", "SSL-Client-Cert", "SSL-Client-Verify",
        // A user an authenticating proxy verified (Kubernetes' front proxy, Grafana's auth proxy, Apache REMOTE_USER).
        "Remote-User", "X-Remote-User", "X-Remote-Group", "X-WEBAUTH-USER",
    ];

    private static readonly string[] TrustedPrefixes =
    [
        "X-SSL-", // nginx and HAProxy conventions for the client certificate and its verification
        "X-Amzn-Oidc-", "X-Goog-Authenticated-", "X-Goog-IAP-", "Cf-Access-", "X-Auth-Request-", "X-Remote-Extra-", // AWS ALB, Google IAP, Cloudflare Access, oauth2-proxy, Kubernetes
        "X-Envoy-", // Envoy and Istio sidecars act on them (timeouts, retries, "internal" requests)
    ];

    private static readonly FrozenSet<string> BlockedNames = ReservedNames.Concat(TrustedNames).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // The blocked prefixes by the lower-case ASCII letter they start with, so most names try none or a few.
    private static readonly string[][] BlockedPrefixesByLetter = Enumerable.Range(0, 26)
        .Select(i => ReservedPrefixes.Concat(TrustedPrefixes).Where(p => char.ToLowerInvariant(p[0]) == 'a' + i).ToArray())
        .ToArray();

    /// <summary>
    /// Whether a client-sent request header must be dropped before forwarding (and never read from a client), in
    /// either spelling of its dashes: <c>X_Forwarded_For</c> is blocked like <c>X-Forwarded-For</c>.
    /// </summary>
    public static bool IsBlocked(string name, string identityPrefix) =>
        IsBlockedSpelling(name, identityPrefix)
        // CGI, PHP, WSGI and Rack turn both X-Forwarded-For and X_Forwarded_For into HTTP_X_FORWARDED_FOR, so an
        // underscore spelling reaches such a backend as the trusted header (why nginx drops underscore names by
        // default and Apache 2.4 drops them from CGI variables). The copy is made only for a name with an underscore.
        || (name.Contains('_') && IsBlockedSpelling(name.Replace('_', '-'), identityPrefix.Replace('_', '-')));

    private static bool IsBlockedSpelling(string name, string identityPrefix)
    {
        if (name.Length == 0)
        {
            return false;
        }

        if (BlockedNames.Contains(name) || name.StartsWith(identityPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var letter = (name[0] | 0x20) - 'a';
        if ((uint)letter >= 26)
        {
            return false;
        }

        foreach (var prefix in BlockedPrefixesByLetter[letter])
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether only the gateway or its platform may send this header: forwarding and identity headers, platform
    /// headers, method overrides and proxy headers. A composite route's configuration cannot set these.
    /// </summary>
    public static bool IsReserved(string name, string identityPrefix) =>
        IsReservedSpelling(name, identityPrefix)
        || (name.Contains('_') && IsReservedSpelling(name.Replace('_', '-'), identityPrefix.Replace('_', '-'))); // see IsBlocked

    private static bool IsReservedSpelling(string name, string identityPrefix) =>
        name.StartsWith(identityPrefix, StringComparison.OrdinalIgnoreCase)
        || ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase)
        || ReservedPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="value"/> may be forwarded as a field value (RFC 9110 §5.5): no control character but tab.</summary>
    public static bool IsValidValue(ReadOnlySpan<char> value) => value.IndexOfAny(InvalidValueChars) < 0;

    /// <summary>
    /// Removes, from the outgoing request, every blocked header the client sent and every header its
    /// <c>Connection</c> header names (RFC 9110 §7.6.1: those are hop-by-hop for this connection only), in every line
    /// of <paramref name="connection"/> (the client's lines; see <see cref="ConnectionHeaderCapture"/>). Returns the
    /// problem to answer with instead when the client sent a header that cannot be forwarded: a name that is not a
    /// token or a value with a control character, or a <c>Transfer-Encoding</c> in HTTP/1.0 (400), or a transfer coding other than <c>chunked</c> (501);
    /// <paramref name="detail"/> then names the header, never its value.
    /// </summary>
    public static Problem? Clean(IHeaderDictionary incoming, string protocol, StringValues connection, HttpRequestMessage outgoing, string identityPrefix, out string? detail)
    {
        // Every header the client sent is checked (a name that is not a token, a control character in a value), so
        // the incoming headers are walked here; blocked ones are removed from the outgoing message as they are met.
        // They are copied into a pooled array rather than enumerated: Kestrel hands its one cached enumerator box to
        // the first walk of a request (YARP's header copy), so a second foreach allocated a new box on every request
        // (about 130 bytes; issue 25). Kestrel's CopyTo writes the headers in the order its enumerator yields them.
        var count = incoming.Count;
        var headers = ArrayPool<KeyValuePair<string, StringValues>>.Shared.Rent(Math.Max(count, 1));
        try
        {
            incoming.CopyTo(headers, 0);
            if (Check(headers.AsSpan(0, count), outgoing, identityPrefix, out detail) is { } invalid)
            {
                return invalid;
            }
        }
        finally
        {
            headers.AsSpan(0, count).Clear(); // the pool must not keep the request's strings alive
            ArrayPool<KeyValuePair<string, StringValues>>.Shared.Return(headers);
        }

        if (incoming.TransferEncoding.Count > 0)
        {
            if (HttpProtocol.IsHttp10(protocol))
            {
                // RFC 9112 §6.1: HTTP/1.0 has no transfer codings, so such a message's framing is faulty; a front end
                // before the gateway may have read its body by Content-Length or to the end of the connection.
                detail = "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
                return GatewayProblems.InvalidHeader;
            }

            // Kestrel decodes exactly one final chunked coding; any other coding would reach the backend still
            // applied, with nothing saying so (RFC 9112 §6.1: 501 for a coding the server does not understand).
            if (!IsChunkedOnly(incoming.TransferEncoding))
            {
                detail = "Only the chunked transfer coding is supported.";
                return GatewayProblems.UnsupportedTransferCoding;
            }

            // With both framings, Kestrel reads by Transfer-Encoding and renames the client's Content-Length to
            // X-Content-Length; RFC 9112 §6.3 has the proxy forward without it.
            Remove(outgoing, "X-Content-Length");
        }

        foreach (var value in connection)
        {
            if (!RemoveNamedHeaders(value, outgoing))
            {
                detail = "The Connection header is not a comma-separated list of tokens.";
                return GatewayProblems.InvalidHeader;
            }
        }

        detail = null;
        return null;
    }

    /// <summary>
    /// Checks each header the client sent (a name that is a token, values without control characters) and removes
    /// the blocked ones from the outgoing message; the problem to answer with when one cannot be forwarded.
    /// </summary>
    private static Problem? Check(ReadOnlySpan<KeyValuePair<string, StringValues>> headers, HttpRequestMessage outgoing, string identityPrefix, out string? detail)
    {
        foreach (var header in headers)
        {
            var name = header.Key;
            if (!name.StartsWith(':') && name.AsSpan().IndexOfAnyExcept(TokenChars) >= 0)
            {
                detail = "A request header name is not a valid token.";
                return GatewayProblems.InvalidHeader;
            }

            foreach (var value in header.Value)
            {
                if (value is not null && !IsValidValue(value))
                {
                    detail = $"The request header '{name}' contains a control character.";
                    return GatewayProblems.InvalidHeader;
                }
            }

            if (IsBlocked(name, identityPrefix))
            {
                Remove(outgoing, name);
            }
        }

        detail = null;
        return null;
    }

    /// <summary>
    /// Removes the header each option of one <c>Connection</c> line names (RFC 9110 §7.6.1: a comma-separated list of
    /// tokens, with optional whitespace and empty elements); false when an element is not a token.
    /// </summary>
    private static bool RemoveNamedHeaders(string? line, HttpRequestMessage outgoing)
    {
        foreach (var range in line.AsSpan().Split(','))
        {
            var option = line.AsSpan()[range].Trim(" \t");
            if (option.IsEmpty || IsConnectionKeyword(option))
            {
                continue; // the connection's own options name headers the forwarder never sends
            }

            if (option.IndexOfAnyExcept(TokenChars) >= 0)
            {
                return false;
            }

            Remove(outgoing, option.ToString());
        }

        return true;
    }

    private static bool IsConnectionKeyword(ReadOnlySpan<char> option) =>
        option.Equals("close", StringComparison.OrdinalIgnoreCase)
        || option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
        || option.Equals("upgrade", StringComparison.OrdinalIgnoreCase);

    private static bool IsChunkedOnly(StringValues transferEncoding) =>
        transferEncoding.Count == 1 && transferEncoding[0].AsSpan().Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase);

    private static void Remove(HttpRequestMessage outgoing, string name)
    {
        outgoing.Headers.Remove(name);
        outgoing.Content?.Headers.Remove(name);
    }
}
