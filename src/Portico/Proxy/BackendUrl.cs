namespace Portico.Proxy;

/// <summary>The rules for an address the gateway sends requests to: a backend's <c>url</c> or one of its destinations'.</summary>
internal static class BackendUrl
{
    /// <summary>Why <paramref name="url"/> cannot be a backend address, or null when it can.</summary>
    public static string? Problem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{url}' is not an absolute http or https URL";
        }

        return parsed.Query.Length > 0 || parsed.Fragment.Length > 0 || parsed.UserInfo.Length > 0
            ? "the URL must not carry a query, a fragment or credentials"
            : null;
    }
}
