using Portico.Configuration;

namespace Portico.Registry;

/// <summary>What a reload did.</summary>
internal sealed record ReloadOutcome(ReloadKind Kind, IReadOnlyList<ConfigurationError> Errors, Exception? Exception);
