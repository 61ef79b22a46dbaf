using Portico.Configuration;

namespace Portico.RateLimiting;

/// <summary>One part of a rate-limit key.</summary>
/// <param name="Kind">Where the value comes from.</param>
/// <param name="Name">The header or claim name, for the kinds that have one.</param>
internal readonly record struct KeyPart(KeyPartKind Kind, string? Name)
{
    /// <summary>The header an API key is read from when the policy names none.</summary>
    public const string DefaultApiKeyHeader = "X-Api-Key";

    /// <summary>Parses a key part as written in the registry; null with <paramref name="error"/> when it is not one.</summary>
    public static KeyPart? Parse(string text, out string? error)
    {
        error = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? text : text[..colon];
        var name = colon < 0 ? null : text[(colon + 1)..];
        switch (kind)
        {
            case "consumer" when name is null:
                return new KeyPart(KeyPartKind.Consumer, null);
            case "clientIp" when name is null:
                return new KeyPart(KeyPartKind.ClientIp, null);
            case "route" when name is null:
                return new KeyPart(KeyPartKind.Route, null);
            case "apiKey":
                name ??= DefaultApiKeyHeader;
                if (!HttpToken.IsValid(name))
                {
                    error = $"'{text}': '{name}' is not a header name";
                    return null;
                }

                return new KeyPart(KeyPartKind.ApiKey, name);
            case "header":
                if (string.IsNullOrEmpty(name) || !HttpToken.IsValid(name))
                {
                    error = $"'{text}': write 'header:Header-Name'";
                    return null;
                }

                return new KeyPart(KeyPartKind.Header, name);
            case "claim":
                if (string.IsNullOrWhiteSpace(name))
                {
                    error = $"'{text}': write 'claim:name'";
                    return null;
                }

                return new KeyPart(KeyPartKind.Claim, name);
            default:
                error = $"unknown key part '{text}': use consumer, apiKey, apiKey:Header, clientIp, header:Name, claim:name or route";
                return null;
        }
    }
}
