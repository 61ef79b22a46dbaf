using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;
using Portico.Configuration;

namespace Portico.SecurityHeaders;

/// <summary>
/// The security header fields a route or the gateway may set, with what a value of each must look like. One list for
/// the registry compiler and the start-up check, so both accept and refuse the same values.
/// </summary>
internal static partial class SecurityHeaderFields
{
    /// <summary>The header, the registry field, and a check returning why a value is wrong (null when it is fine).</summary>
    public static readonly (string Header, string Field, Func<string, string?> Problem)[] All =
    [
        (HeaderNames.StrictTransportSecurity, "strictTransportSecurity", value =>
            MaxAge().IsMatch(value) ? null : "must hold a max-age directive (RFC 6797 §6.1), such as 'max-age=31536000; includeSubDomains'"),
        (HeaderNames.XContentTypeOptions, "contentTypeOptions", value =>
            value.Equals("nosniff", StringComparison.OrdinalIgnoreCase) ? null : "'nosniff' is its only value"),
        (HeaderNames.ContentSecurityPolicy, "contentSecurityPolicy", _ => null),
        (HeaderNames.XFrameOptions, "frameOptions", value =>
            value.Equals("DENY", StringComparison.OrdinalIgnoreCase) || value.Equals("SAMEORIGIN", StringComparison.OrdinalIgnoreCase) ? null : "must be 'DENY' or 'SAMEORIGIN'"),
        ("Referrer-Policy", "referrerPolicy", _ => null),
    ];

    /// <summary>Why <paramref name="value"/> cannot be field <paramref name="index"/> of <see cref="All"/>; null when it can (an empty value always can).</summary>
    public static string? Problem(int index, string value) =>
        value.Length == 0 ? null : HttpFieldValue.Problem(value) ?? All[index].Problem(value);

    [GeneratedRegex(@"(^|;)\s*max-age\s*=\s*""?[0-9]+""?\s*(;|$)", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex MaxAge();
}
