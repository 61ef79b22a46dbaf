namespace Portico.SecurityHeaders;

/// <summary>The security headers set on a route's responses, merged from the route and the gateway when the registry is compiled.</summary>
/// <param name="Headers">Headers set on every response, replacing the backend's.</param>
/// <param name="StrictTransportSecurity">The <c>Strict-Transport-Security</c> value, set only on HTTPS responses; null for none.</param>
internal sealed record SecurityHeaderSet(KeyValuePair<string, string>[] Headers, string? StrictTransportSecurity)
{
    /// <summary>Whether the set adds nothing.</summary>
    public bool IsEmpty => Headers.Length == 0 && StrictTransportSecurity is null;
}
