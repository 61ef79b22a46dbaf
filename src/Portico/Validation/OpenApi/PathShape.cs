using System.Text.RegularExpressions;

namespace Portico.Validation.OpenApi;

/// <summary>
/// A path template with its parameters blanked (<c>/pets/{}</c>), so a route template (<c>/api/pets/{id:int}</c>) and an
/// OpenAPI path (<c>/pets/{petId}</c>) compare by shape; case-insensitive, like route matching.
/// </summary>
internal static partial class PathShape
{
    public static string Of(string template) => Parameter().Replace(template.TrimEnd('/'), "{}").ToLowerInvariant();

    /// <summary>Whether <paramref name="route"/> is <paramref name="document"/> or ends with it after whole segments.</summary>
    public static bool EndsWith(string route, string document) =>
        route == document || (document.Length > 1 && document.StartsWith('/') && route.EndsWith(document, StringComparison.Ordinal));

    /// <summary>The parameter names of a template, in order (constraints, defaults and catch-all marks removed).</summary>
    public static IReadOnlyList<string> ParameterNames(string template) =>
        [.. Parameter().Matches(template).Select(m => m.Value.Trim('{', '}').TrimStart('*').Split(':', '=', '?')[0])];

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
