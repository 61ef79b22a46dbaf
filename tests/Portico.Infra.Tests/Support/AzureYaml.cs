namespace Portico.Infra.Tests.Support;

/// <summary>
/// Just enough of azure.yaml for the tests: the services map, each service's scalar properties. Block-style
/// YAML as azd writes it (two-space indentation, no flow collections, no multi-line scalars).
/// </summary>
internal static class AzureYaml
{
    /// <summary>Service name to its scalar properties (project, language, host...).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Services(string text)
    {
        var services = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var inServices = false;
        int? serviceIndent = null;
        Dictionary<string, string>? current = null;

        foreach (var raw in text.Split('\n'))
        {
            var line = StripComment(raw).TrimEnd();
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var (key, value) = SplitPair(line.Trim());
            if (indent == 0)
            {
                inServices = key == "services" && value.Length == 0;
                serviceIndent = null;
                current = null;
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            serviceIndent ??= indent;
            if (indent == serviceIndent)
            {
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                services[key] = current;
            }
            else if (current is not null && value.Length > 0)
            {
                current[key] = Unquote(value);
            }
        }

        return services;
    }

    private static (string Key, string Value) SplitPair(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (line, "") : (line[..colon].Trim(), line[(colon + 1)..].Trim());
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? line : line[..hash];
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
}
