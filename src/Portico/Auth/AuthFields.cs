using Portico.Configuration;

namespace Portico.Auth;

/// <summary>The checks several authentication policy types share: durations with a default, and URLs the gateway fetches.</summary>
internal static class AuthFields
{
    /// <summary>A duration field (<paramref name="fallback"/> when absent); null after reporting a value that is not one.</summary>
    public static TimeSpan? ParseDuration(string? text, TimeSpan fallback, string field, Action<string, string> error, bool allowZero = false)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!Duration.TryParse(text, out var value) || value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            error(field, $"'{text}' is not a {(allowZero ? "non-negative" : "positive")} duration such as '30s' or '5m'");
            return null;
        }

        return value;
    }

    /// <summary>An absolute http or https URL without credentials, and https when <paramref name="requireHttps"/> is set.</summary>
    public static bool CheckUrl(string url, bool requireHttps, string field, Action<string, string> error)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.UserInfo.Length > 0)
        {
            error(field, $"'{url}' is not an absolute http or https URL without credentials");
            return false;
        }

        if (requireHttps && uri.Scheme != Uri.UriSchemeHttps)
        {
            error(field, "must be https (set 'requireHttps': false only for local test issuers)");
            return false;
        }

        return true;
    }

    /// <summary>
    /// <c>maxTokenSize</c>: the longest credential read, in characters (<paramref name="fallback"/> when absent), from
    /// <paramref name="min"/> to 65536; false after reporting a value out of range.
    /// </summary>
    public static bool CheckTokenSize(int? value, int fallback, int min, string field, Action<string, string> error, out int size)
    {
        size = value ?? fallback;
        if (size < min || size > 65536)
        {
            error(field, $"between {min} and 65536 characters");
            return false;
        }

        return true;
    }
}
