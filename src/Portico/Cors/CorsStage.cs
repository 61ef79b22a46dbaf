using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Cors;

/// <summary>
/// The Fetch standard's CORS protocol on routes with a <c>cors</c> policy (issue 17, item 10). A preflight is answered
/// here, before per-address limits, authentication and rate limits (a browser never sends credentials with one): 204
/// with the grant and <c>Access-Control-Max-Age</c>, or 403 <c>cors-preflight-refused</c> without any grant. On every
/// other response of the route, whoever wrote it (backend, cache, static answer, a refusal of a later stage), the
/// backend's <c>Access-Control-*</c> headers are replaced by the gateway's grant for an allowed origin, or by nothing,
/// and <c>Vary: Origin</c> is added when the grant depends on the origin.
/// </summary>
internal sealed class CorsStage : IGatewayStage
{
    private static readonly Func<object, Task> ApplyToResponse = static state =>
    {
        Apply((GatewayContext)state);
        return Task.CompletedTask;
    };

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var policy = context.Route!.Cors;
        if (policy is null)
        {
            return next(context);
        }

        var http = context.HttpContext;
        if (CorsPreflight.RequestedMethod(http.Request) is { } method)
        {
            return AnswerPreflightAsync(http, policy, method);
        }

        http.Response.OnStarting(ApplyToResponse, context);
        return next(context);
    }

    /// <summary>Replaces the response's CORS headers with the route's grant (Fetch standard §3.2.3, HTTP responses).</summary>
    private static void Apply(GatewayContext context)
    {
        var policy = context.Route!.Cors!;
        var http = context.HttpContext;
        var headers = http.Response.Headers;
        RemoveAccessControl(headers);
        if (policy.VariesByOrigin)
        {
            AddVary(headers, "Origin");
        }

        var origin = http.Request.Headers.Origin;
        if (origin.Count != 1 || !policy.Origins.Allows(origin[0]!))
        {
            return; // no grant: the browser keeps the response from the page
        }

        Grant(headers, policy, origin[0]!);
        if (policy.ExposeValue is { } expose)
        {
            headers.AccessControlExposeHeaders = expose;
        }
    }

    private static Task AnswerPreflightAsync(HttpContext http, CorsPolicy policy, string method)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store"; // browsers cache preflights by Access-Control-Max-Age, shared caches never
        AddVary(headers, policy.VariesByOrigin ? "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" : "Access-Control-Request-Method, Access-Control-Request-Headers");
        var request = http.Request.Headers;
        var origin = request.Origin;
        if (origin.Count != 1 || !policy.Origins.Allows(origin[0]!))
        {
            return ProblemResponse.WriteAsync(http, CorsProblems.PreflightRefused, "The route does not allow requests from this origin.");
        }

        // GET, HEAD and POST are CORS-safelisted methods: a browser needs no grant for them (Fetch standard §4.8).
        if (policy.Methods is { } methods && !methods.Contains(method) && !IsSafelistedMethod(method))
        {
            return ProblemResponse.WriteAsync(http, CorsProblems.PreflightRefused, $"The route does not allow cross-origin {Printable(method)} requests.");
        }

        var requestedHeaders = request.AccessControlRequestHeaders;
        if (policy.Headers is { } allowed)
        {
            foreach (var value in requestedHeaders)
            {
                foreach (var range in (value ?? "").AsSpan().Split(','))
                {
                    var name = (value ?? "").AsSpan()[range].Trim(" \t");
                    if (!name.IsEmpty && !allowed.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name))
                    {
                        return ProblemResponse.WriteAsync(http, CorsProblems.PreflightRefused, $"The route does not allow the request header {Printable(name.ToString())} cross-origin.");
                    }
                }
            }
        }

        Grant(headers, policy, origin[0]!);
        headers.AccessControlAllowMethods = policy.MethodsValue ?? method;
        if (requestedHeaders.Count > 0)
        {
            // The names asked for, all allowed: echoed so that '*' also covers Authorization, and a credentialed
            // preflight (where '*' would be read as a header named '*') works the same.
            headers.AccessControlAllowHeaders = requestedHeaders;
        }

        headers.AccessControlMaxAge = policy.MaxAgeValue;
        http.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static void Grant(IHeaderDictionary headers, CorsPolicy policy, string origin)
    {
        headers.AccessControlAllowOrigin = policy.Origins.Any && !policy.Credentials ? "*" : origin;
        if (policy.Credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }
    }

    private static void RemoveAccessControl(IHeaderDictionary headers)
    {
        List<string>? names = null;
        foreach (var (name, _) in headers)
        {
            if (name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase))
            {
                (names ??= []).Add(name);
            }
        }

        foreach (var name in names ?? [])
        {
            headers.Remove(name);
        }
    }

    /// <summary>Adds <paramref name="names"/> to <c>Vary</c> unless it already says <c>*</c> or lists <c>Origin</c> (RFC 9110 §12.5.5).</summary>
    private static void AddVary(IHeaderDictionary headers, string names)
    {
        var vary = headers.Vary;
        foreach (var value in vary)
        {
            var list = (value ?? "").AsSpan();
            foreach (var range in list.Split(','))
            {
                var name = list[range].Trim(" \t");
                if (name is "*" || name.Equals("Origin", StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }
            }
        }

        headers.Vary = StringValues.Concat(vary, names);
    }

    private static bool IsSafelistedMethod(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPost(method);

    /// <summary>A client-sent name, quoted for a problem detail only when it is a plain token.</summary>
    private static string Printable(string name) =>
        Configuration.HttpToken.IsValid(name) && name.Length <= 64 ? $"'{name}'" : "(an invalid name)";
}
