using Portico.Proxy;

namespace Portico.WebPubSub;

/// <summary>Where one event of a hub is forwarded: a <c>POST</c> to <see cref="Uri"/> on <see cref="Backend"/>.</summary>
internal sealed record WebPubSubEventTarget(string EventName, CompiledBackend Backend, Uri Uri);
