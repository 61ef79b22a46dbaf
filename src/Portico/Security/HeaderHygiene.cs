using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Portico.Security;

/// <summary>
/// The request headers a client must never get through to a backend: spoofable forwarding and identity headers,
/// method overrides, and headers added by the Azure Functions / App Service front ends.
/// </summary>
internal static class HeaderHygiene
{
    // Exact names. App Service and the Functions host add these on their hop; a client can forge all of them.
    private static readonly FrozenSet<string> BlockedNames = new[]
    {
        "Forwarded", "X-Real-IP", "X-Client-IP", "X-Client-Port", "Client-IP",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
        "x-ms-invocation-id", "DISGUISED-HOST", "WAS-DEFAULT-HOSTNAME", "X-SITE-DEPLOYMENT-ID",
        "X-AppService-Proto", "X-WAWS-Unencoded-URL", "X-Forwarded-TlsVersion",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // Prefixes: forwarding headers (rewritten by the gateway), App Service's ARR and URL-rewrite headers, and
    // Easy Auth's identity headers, which a backend might otherwise trust.
    private static readonly string[] BlockedPrefixes =
    [
        "X-Forwarded-", "X-ARR-", "X-Original-", "X-MS-CLIENT-PRINCIPAL", "X-MS-TOKEN-",
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

    /// <summary>
    /// Removes, from the outgoing request, every blocked header the client sent and every header its
    /// <c>Connection</c> header names (RFC 9110 §7.6.1: those are hop-by-hop for this connection only).
    /// </summary>
    public static void Clean(IHeaderDictionary incoming, HttpRequestMessage outgoing, string identityPrefix)
    {
        // The outgoing message holds every client header the forwarder copied, so the blocked ones are looked for
        // there: its enumerator is a struct, where enumerating the incoming IHeaderDictionary boxed Kestrel's on
        // every request (issue 25, docs/performance.md). A header that was not copied needs no removing.
        RemoveBlocked(outgoing.Headers, identityPrefix);
        if (outgoing.Content is { } content)
        {
            RemoveBlocked(content.Headers, identityPrefix);
        }

        foreach (var value in incoming[HeaderNames.Connection])
        {
            if (value is null)
            {
                continue;
            }

            foreach (var token in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Remove(outgoing, token);
            }
        }
    }

    private static void RemoveBlocked(HttpHeaders headers, string identityPrefix)
    {
        List<string>? blocked = null;
        foreach (var header in headers.NonValidated)
        {
            if (IsBlocked(header.Key, identityPrefix))
            {
                (blocked ??= []).Add(header.Key);
            }
        }

        if (blocked is not null)
        {
            foreach (var name in blocked)
            {
                headers.Remove(name);
            }
        }
    }

    private static void Remove(HttpRequestMessage outgoing, string name)
    {
        outgoing.Headers.Remove(name);
        outgoing.Content?.Headers.Remove(name);
    }
}
