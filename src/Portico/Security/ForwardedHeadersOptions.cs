namespace Portico.Security;

/// <summary>Trust for client-sent forwarding headers.</summary>
public sealed class ForwardedHeadersOptions
{
    /// <summary>
    /// Addresses or CIDR ranges of proxies in front of Portico whose <c>X-Forwarded-For/Proto/Host</c> are believed.
    /// Empty by default: the TCP peer is the client. The Functions app trusts loopback, its host's hop.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}
