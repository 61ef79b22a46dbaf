using System.Net;

namespace Portico.Security;

/// <summary>
/// Who the client is, as far as the gateway can verify: the address itself, and the forwarding chain,
/// scheme and host to pass on in <c>X-Forwarded-*</c>.
/// </summary>
/// <param name="Address">The client's IP address; null when the transport has none (for example in-memory tests).</param>
/// <param name="ForwardedFor">The <c>X-Forwarded-For</c> value to send upstream: verified hops only, the immediate peer last.</param>
/// <param name="Proto">The scheme the client used.</param>
/// <param name="Host">The host the client asked for.</param>
internal sealed record ClientAddress(IPAddress? Address, string? ForwardedFor, string Proto, string Host);
