using System.Text.RegularExpressions;

namespace Portico.Validation;

/// <summary>
/// Compiles validation patterns with .NET's non-backtracking engine: matching takes time linear in the value's length,
/// so no client value can make a pattern slow (issue 17). JSON Schema patterns are unanchored and case-sensitive.
/// </summary>
internal static class LinearRegex
{
    /// <summary>The compiled pattern, or null with the reason when Portico cannot run it.</summary>
    public static Regex? TryCreate(string pattern, out string? problem)
    {
        try
        {
            problem = null;
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (RegexParseException ex)
        {
            problem = $"'{pattern}' is not a valid regular expression: {ex.Message}";
        }
        catch (NotSupportedException)
        {
            problem = $"'{pattern}' uses backreferences, lookarounds, atomic groups or conditionals, which validation patterns do not support (they are matched in linear time)";
        }
        catch (ArgumentException ex)
        {
            problem = $"'{pattern}' is not a valid regular expression: {ex.Message}";
        }

        return null;
    }

    /// <summary>A JSON Schema keyword's pattern; what Portico cannot run fails the schema's build (a configuration error).</summary>
    public static Regex ForSchema(string pattern, string keyword) =>
        TryCreate(pattern, out var problem) ?? throw new Json.Schema.JsonSchemaException($"{keyword}: {problem}");
}
