using Portico.Configuration;

namespace Portico.Registry;

/// <summary>A compiled snapshot, or every reason there is none.</summary>
internal sealed record CompileResult(GatewaySnapshot? Snapshot, IReadOnlyList<ConfigurationError> Errors);
