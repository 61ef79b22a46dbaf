namespace Portico.WebPubSub;

/// <summary>
/// The outcome of one call to the service: its <see cref="Response"/>, or, when there is none to read (unreachable,
/// no answer in time, no token for the gateway), why in <see cref="Failure"/>. An expected failure is a value here,
/// turned into a 502 by the route's dispatcher.
/// </summary>
/// <param name="Response">The service's answer, owned by the caller; null on failure.</param>
/// <param name="Failure">Why the call failed, for the log; null when there is a response.</param>
/// <param name="Exception">The exception behind <paramref name="Failure"/>, for the log; null when none.</param>
internal readonly record struct WebPubSubCall(HttpResponseMessage? Response, string? Failure, Exception? Exception);
