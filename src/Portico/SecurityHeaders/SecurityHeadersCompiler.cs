using Portico.Configuration;

namespace Portico.SecurityHeaders;

/// <summary>Merges a route's <c>securityHeaders</c> over the gateway's <c>Portico:SecurityHeaders</c> into one <see cref="SecurityHeaderSet"/>.</summary>
internal static class SecurityHeadersCompiler
{
    /// <summary>The values of <paramref name="options"/> in the order of <see cref="SecurityHeaderFields.All"/>.</summary>
    public static string?[] Values(SecurityHeadersOptions options) =>
        [options.StrictTransportSecurity, options.ContentTypeOptions, options.ContentSecurityPolicy, options.FrameOptions, options.ReferrerPolicy];

    /// <summary>The values of <paramref name="route"/> in the order of <see cref="SecurityHeaderFields.All"/>.</summary>
    private static string?[] Values(SecurityHeadersDefinition? route) =>
        [route?.StrictTransportSecurity, route?.ContentTypeOptions, route?.ContentSecurityPolicy, route?.FrameOptions, route?.ReferrerPolicy];

    /// <summary>The route's set; null when it adds nothing or a value is invalid (reported through <paramref name="error"/>).</summary>
    public static SecurityHeaderSet? Compile(SecurityHeadersDefinition? route, SecurityHeadersOptions gateway, Action<string, string> error)
    {
        var own = Values(route);
        var inherited = Values(gateway);
        var ok = true;
        string? hsts = null;
        var headers = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < own.Length; i++)
        {
            if (own[i] is { } value && SecurityHeaderFields.Problem(i, value) is { } problem)
            {
                error("securityHeaders." + SecurityHeaderFields.All[i].Field, $"'{value}' {problem}");
                ok = false;
                continue;
            }

            // Checked at start-up (SecurityHeadersOptionsValidator); an empty value leaves the backend's header alone.
            var effective = own[i] ?? inherited[i];
            if (string.IsNullOrEmpty(effective))
            {
                continue;
            }

            if (i == 0)
            {
                hsts = effective;
            }
            else
            {
                headers.Add(new(SecurityHeaderFields.All[i].Header, effective));
            }
        }

        var set = new SecurityHeaderSet([.. headers], hsts);
        return ok && !set.IsEmpty ? set : null;
    }
}
