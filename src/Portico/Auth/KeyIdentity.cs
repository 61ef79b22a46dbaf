using Portico.Configuration;
using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>An API key's identity and the consumer definition it was built from (see <see cref="ApiKeyRecord.Identity"/>).</summary>
internal sealed record KeyIdentity(ConsumerDefinition Consumer, GatewayIdentity Identity);
