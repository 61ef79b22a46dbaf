using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Portico.Routing;

/// <summary>
/// The <c>regex(...)</c> route constraint, compiled once with the non-backtracking engine: matching a path segment takes
/// time linear in its length, whatever the pattern, so no request can make it slow or make it throw.
/// </summary>
/// <remarks>Same semantics as ASP.NET Core's <c>RegexRouteConstraint</c>: case-insensitive, culture-invariant, not anchored.</remarks>
internal sealed class LinearRegexConstraint : IRouteConstraint
{
    private readonly Regex _regex;

    private LinearRegexConstraint(Regex regex) => _regex = regex;

    /// <summary>Compiles <paramref name="pattern"/>; null with the reason when it is not a regular expression Portico can run.</summary>
    public static LinearRegexConstraint? TryCreate(string pattern, out string? problem)
    {
        try
        {
            var regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);
            problem = null;
            return new LinearRegexConstraint(regex);
        }
        catch (RegexParseException ex)
        {
            problem = $"invalid regular expression: {ex.Message}";
        }
        catch (NotSupportedException)
        {
            problem = "backreferences, lookarounds, atomic groups and conditionals are not supported (route constraints are matched in linear time)";
        }
        catch (ArgumentException ex)
        {
            problem = $"invalid regular expression: {ex.Message}";
        }

        return null;
    }

    /// <inheritdoc />
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is not null
        && _regex.IsMatch(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
}
