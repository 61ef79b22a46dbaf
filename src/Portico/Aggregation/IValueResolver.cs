using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>Supplies placeholder values while one request's part calls are built.</summary>
internal interface IValueResolver
{
    /// <summary>
    /// Looks <paramref name="reference"/> up: request text sources set <paramref name="text"/>; JSON sources (the client
    /// body, a part's answer) set <paramref name="json"/> and leave <paramref name="text"/> null.
    /// </summary>
    ValueStatus Resolve(ValueReference reference, out string? text, out JsonElement json);
}
