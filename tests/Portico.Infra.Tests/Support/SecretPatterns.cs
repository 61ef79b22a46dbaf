using System.Text.RegularExpressions;

namespace Portico.Infra.Tests.Support;

/// <summary>Shapes of credentials that must never appear in an app setting or a template.</summary>
internal static partial class SecretPatterns
{
    /// <summary>The patterns, each named for the assertion message.</summary>
    public static IReadOnlyList<(string Name, Regex Pattern)> All { get; } =
    [
        ("storage account key", AccountKey()),
        ("connection string with an endpoint protocol (keyed)", DefaultEndpointsProtocol()),
        ("shared access signature", SharedAccessSignature()),
        ("shared access key", SharedAccessKey()),
        ("SAS signature parameter", SasSignature()),
        ("SAS version parameter", SasVersion()),
        ("password", Password()),
        ("secret", Secret()),
        ("private key", PrivateKey()),
        ("key or SAS listing function", ListFunction()),
    ];

    /// <summary>The names of the patterns <paramref name="text"/> matches.</summary>
    public static IReadOnlyList<string> Matches(string text) =>
        All.Where(entry => entry.Pattern.IsMatch(text)).Select(entry => entry.Name).ToList();

    [GeneratedRegex(@"AccountKey\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex AccountKey();

    [GeneratedRegex(@"DefaultEndpointsProtocol\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex DefaultEndpointsProtocol();

    [GeneratedRegex(@"SharedAccessSignature", RegexOptions.IgnoreCase)]
    private static partial Regex SharedAccessSignature();

    [GeneratedRegex(@"SharedAccessKey", RegexOptions.IgnoreCase)]
    private static partial Regex SharedAccessKey();

    [GeneratedRegex(@"(^|[?&;\s])sig=", RegexOptions.IgnoreCase)]
    private static partial Regex SasSignature();

    [GeneratedRegex(@"(^|[?&;\s])sv=\d{4}-\d{2}-\d{2}", RegexOptions.IgnoreCase)]
    private static partial Regex SasVersion();

    [GeneratedRegex(@"password|passwd|(^|[;\s])pwd\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex Password();

    [GeneratedRegex(@"secret\s*=|client_?secret|secret(key|value)", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY", RegexOptions.IgnoreCase)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\blist(Keys|AccountSas|ServiceSas|Secrets|ConnectionStrings|Credentials?|PublishingCredentials)?\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();
}
