namespace Portico.WebPubSub;

/// <summary>
/// The service could not be reached or could not serve the gateway (no token, an error status where one was needed).
/// Raised inside <see cref="WebPubSubService"/> only and turned into a 502 by the route's dispatcher.
/// </summary>
internal sealed class WebPubSubUnavailableException(string message, Exception? inner) : Exception(message, inner);
