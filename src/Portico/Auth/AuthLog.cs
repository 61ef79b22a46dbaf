using Microsoft.Extensions.Logging;

namespace Portico.Auth;

/// <summary>Authentication log events (ids 300–349). None carries a credential, a token or a key id from the request.</summary>
internal static partial class AuthLog
{
    // 300 and 301 are Debug: a refusal comes once per request, as often as a caller sends bad credentials, and the
    // access log and the metrics already record it (issue 23). The reason is here for whoever turns Debug on.
    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Authentication refused on route {RouteId}: policy {Policy} ({Method}) {Status}, reason {Reason}")]
    public static partial void Refused(ILogger logger, string? routeId, string policy, string method, AuthStatus status, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "Authorization refused on route {RouteId} for consumer {ConsumerId}: {Reason}")]
    public static partial void Forbidden(ILogger logger, string? routeId, string? consumerId, string reason);

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Signing keys of issuer {Issuer} loaded from {Source}: {Count} key(s)")]
    public static partial void KeysLoaded(ILogger logger, string issuer, string source, int count);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Fetching signing keys of issuer {Issuer} from {Source} failed; the last good keys stay in use: {Reason}")]
    public static partial void KeyFetchFailed(ILogger logger, string issuer, string source, string reason);

    [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "Token introspection at {Endpoint} failed: {Reason}")]
    public static partial void IntrospectionFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 321, Level = LogLevel.Error, Message = "Introspection policy {Policy}: the client secret setting {Setting} is empty; its routes answer 503")]
    public static partial void IntrospectionSecretMissing(ILogger logger, string policy, string setting);

    [LoggerMessage(EventId = 330, Level = LogLevel.Warning, Message = "API key lookup in {Store} failed; requests with uncached keys get 503: {Reason}")]
    public static partial void KeyLookupFailed(ILogger logger, string store, string reason);
}
