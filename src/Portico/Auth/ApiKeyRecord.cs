namespace Portico.Auth;

/// <summary>A stored API key as the gateway checks it: id, consumer, hash bytes and whether it is revoked.</summary>
internal sealed record ApiKeyRecord(string Id, string Consumer, byte[] Hash, bool Revoked)
{
    /// <summary>
    /// The identity last built for this key, with the consumer definition it was built from: reused while the
    /// snapshot's consumer is that same definition, so a busy key does not build an identity per request.
    /// </summary>
    public KeyIdentity? Identity { get; set; }

    /// <summary>Parses a stored hex hash; null when it is not 64 hex digits.</summary>
    public static byte[]? ParseHash(string? hex)
    {
        if (hex is null || hex.Length != 64)
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
