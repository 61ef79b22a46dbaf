using Polly;

namespace Portico.Resilience;

/// <summary>What one request carries through its resilience pipeline (on Polly's pooled context, so nothing is allocated).</summary>
internal static class ResilienceKeys
{
    /// <summary>The outgoing request as the forwarder built it.</summary>
    public static readonly ResiliencePropertyKey<HttpRequestMessage> Request = new("portico.request");

    /// <summary>The buffered request body, when it can be sent again.</summary>
    public static readonly ResiliencePropertyKey<byte[]> Body = new("portico.body");

    /// <summary>Set once the first attempt has used the original request message; later attempts send copies.</summary>
    public static readonly ResiliencePropertyKey<object> Sent = new("portico.sent");

    public static readonly object Marker = new();
}
