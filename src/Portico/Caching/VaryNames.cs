using Microsoft.Extensions.Primitives;

namespace Portico.Caching;

/// <summary>The field names a response's <c>Vary</c> lists (RFC 9110 §12.5.5), bounded.</summary>
internal static class VaryNames
{
    /// <summary>Most names one response may vary on and still be stored; a longer list is a misconfiguration or an attack.</summary>
    public const int MaxNames = 16;

    /// <summary>The names, lower case and distinct, in order; null for <c>*</c> (never matches, §4.1) or too many names.</summary>
    public static string[]? Parse(StringValues vary)
    {
        var names = new List<string>();
        foreach (var line in vary)
        {
            foreach (var name in (line ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (name == "*")
                {
                    return null;
                }

                var lower = name.ToLowerInvariant();
                if (!names.Contains(lower))
                {
                    names.Add(lower);
                }

                if (names.Count > MaxNames)
                {
                    return null;
                }
            }
        }

        return [.. names];
    }
}
