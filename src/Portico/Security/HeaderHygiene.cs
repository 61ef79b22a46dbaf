using System.Buffers;
using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portico.Problems;

namespace Portico.Security;

/// <summary>
/// The request headers a client must never get through to a backend: spoofable forwarding and identity headers,
/// method overrides, and headers added by the Azure Functions / App Service front ends; and the headers that cannot
/// be forwarded at all (not valid HTTP fields), which are the client's fault.
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

    // Exact names. App Service and the Functions host add these on their hop; a client can forge all of them.
    // "Proxy" is no header of HTTP's, but CGI-style backends turn it into HTTP_PROXY (httpoxy, CVE-2016-5385).
    private static readonly FrozenSet<string> BlockedNames = new[]
    {
        "Proxy",
        "Forwarded", "X-Real-IP", "X-Client-IP", "X-Client-Port", "Client-IP",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
        "x-ms-invocation-id", "DISGUISED-HOST", "WAS-DEFAULT-HOSTNAME", "X-SITE-DEPLOYMENT-ID",
        "X-AppService-Proto", "X-WAWS-Unencoded-URL", "X-Forwarded-TlsVersion",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // Prefixes: hop-by-hop proxy headers (the forwarder removes the standard ones; the rest describe a proxy hop
    // too), forwarding headers (rewritten by the gateway), App Service's ARR and URL-rewrite headers, and Easy Auth's
    // identity headers, which a backend might otherwise trust.
    private static readonly string[] BlockedPrefixes =
    [
        "Proxy-", "X-Forwarded-", "X-ARR-", "X-Original-", "X-MS-CLIENT-PRINCIPAL", "X-MS-TOKEN-",
    ];

    /// <summary>Whether a client-sent request header must be dropped before forwarding.</summary>
    public static bool IsBlocked(string name, string identityPrefix)
    {
        if (BlockedNames.Contains(name) || name.StartsWith(identityPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var prefix in BlockedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="value"/> may be forwarded as a field value (RFC 9110 §5.5): no control character but tab.</summary>
    public static bool IsValidValue(ReadOnlySpan<char> value) => value.IndexOfAny(InvalidValueChars) < 0;

    /// <summary>
    /// Removes, from the outgoing request, every blocked header the client sent and every header its
    /// <c>Connection</c> header names (RFC 9110 §7.6.1: those are hop-by-hop for this connection only), in every line
    /// of <paramref name="connection"/> (the client's lines; see <see cref="ConnectionHeaderCapture"/>). Returns the
    /// problem to answer with instead when the client sent a header that cannot be forwarded: a name that is not a
    /// token or a value with a control character (400), or a transfer coding other than <c>chunked</c> (501);
    /// <paramref name="detail"/> then names the header, never its value.
    /// </summary>
    public static Problem? Clean(IHeaderDictionary incoming, StringValues connection, HttpRequestMessage outgoing, string identityPrefix, out string? detail)
    {
        foreach (var header in incoming)
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

        if (incoming.TransferEncoding.Count > 0)
        {
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
