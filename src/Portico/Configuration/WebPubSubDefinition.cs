namespace Portico.Configuration;

/// <summary>
/// A route that bridges WebSocket clients through Azure Web PubSub (docs/protocols.md#azure-web-pubsub): the gateway
/// stays a stateless HTTP app while the service holds the connections. <see cref="Kind"/> says which part of the bridge
/// the route serves: the clients' <c>negotiate</c> call, the service's <c>events</c> upstream, or the backends'
/// <c>send</c> calls.
/// </summary>
public sealed record WebPubSubDefinition
{
    /// <summary>The service's endpoint, such as <c>https://chat.webpubsub.azure.com</c> (http only on a loopback address, for local emulators).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The hub: starts with a letter, then letters, digits or <c>_</c>, at most 128 characters.</summary>
    public required string Hub { get; init; }

    /// <summary><c>negotiate</c> (client access URLs), <c>events</c> (the upstream event handler) or <c>send</c> (messages to connections, users and groups).</summary>
    public required string Kind { get; init; }

    /// <summary>
    /// How the gateway authenticates to the service: <c>managedIdentity</c> (default; a Microsoft Entra token for
    /// <c>https://webpubsub.azure.com</c>) or <c>accessKey</c> (tokens signed with the first key of
    /// <see cref="AccessKeySettings"/>; local runs and emulators, since a deployed service has local auth disabled).
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>
    /// Names of the settings (app settings or environment variables) holding the service's access keys, primary first:
    /// they sign tokens with <c>credential: accessKey</c> and check every event's <c>ce-signature</c>. The keys never
    /// appear in the registry.
    /// </summary>
    public IReadOnlyList<string>? AccessKeySettings { get; init; }

    /// <summary>The data-plane REST API version. Default <c>2024-01-01</c>.</summary>
    public string? ApiVersion { get; init; }

    /// <summary><c>negotiate</c>: how long a client access token is valid, such as <c>1h</c>. Default 1h, from 1m to 24h.</summary>
    public string? TokenLifetime { get; init; }

    /// <summary>
    /// <c>negotiate</c>: the groups a connection joins when it connects. A group may name the caller: <c>{sub}</c>
    /// (the verified subject), <c>{consumer}</c> (the registry consumer) or <c>{claim:name}</c> (a verified claim); a group
    /// whose value the caller lacks is left out.
    /// </summary>
    public IReadOnlyList<string>? Groups { get; init; }

    /// <summary><c>negotiate</c>: the Web PubSub roles (permissions) a connection has, such as <c>webpubsub.sendToGroup.lobby</c>.</summary>
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>
    /// <c>events</c>: the backend call for each event, keyed by event name: <c>connect</c>, <c>connected</c>,
    /// <c>disconnected</c> (system events), or the name of a user event (<c>message</c> for plain WebSocket messages).
    /// An event without an entry is acknowledged and not forwarded.
    /// </summary>
    public IReadOnlyDictionary<string, WebPubSubEventDefinition>? Events { get; init; }
}
