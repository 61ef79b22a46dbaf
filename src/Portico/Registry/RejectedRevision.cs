using Portico.Configuration;

namespace Portico.Registry;

/// <summary>The last registry revision the gateway refused, when, and why; kept after a later good load for operators.</summary>
/// <param name="Revision">The store's revision marker of the refused content.</param>
/// <param name="RejectedAt">When it was refused.</param>
/// <param name="Errors">Every error, located (file, line and column, or table entity) and naming item and field.</param>
internal sealed record RejectedRevision(string Revision, DateTimeOffset RejectedAt, IReadOnlyList<ConfigurationError> Errors);
