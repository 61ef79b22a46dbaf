using Portico.Problems;

namespace Portico.WebPubSub;

/// <summary>The answers of the Web PubSub bridge's routes (docs/problems.md).</summary>
internal static class WebPubSubProblems
{
    /// <summary>The service could not be reached, or refused the gateway's own credential: nothing the caller did.</summary>
    public static readonly Problem Unavailable = new(502, "web-pubsub-unavailable", "Azure Web PubSub could not be reached or refused the gateway");

    /// <summary>An event whose <c>ce-signature</c> is missing or matches none of the access keys: nothing is forwarded.</summary>
    public static readonly Problem InvalidSignature = new(401, "web-pubsub-signature-invalid", "The event's signature is missing or does not match");

    /// <summary>An abuse-protection request from an origin other than the configured service.</summary>
    public static readonly Problem OriginNotAllowed = new(403, "webhook-origin-not-allowed", "Events are not accepted from this origin");

    /// <summary>An event request without the CloudEvents attributes the service always sends, or for another hub.</summary>
    public static readonly Problem InvalidEvent = new(400, "web-pubsub-event-invalid", "The request is not a Web PubSub event for this hub");

    /// <summary>A send route's path that names no connection, user, group or membership.</summary>
    public static readonly Problem UnknownTarget = new(404, "web-pubsub-target-unknown", "The path names no Web PubSub target");

    /// <summary>The service refused a send or membership change because of what the caller asked (a name it does not accept, an unknown connection).</summary>
    public static readonly Problem Rejected = new(400, "web-pubsub-rejected", "Azure Web PubSub refused the request");
}
