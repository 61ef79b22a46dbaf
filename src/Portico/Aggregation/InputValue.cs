using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>One request input, resolved once per request.</summary>
/// <param name="Present">Whether the value exists (and, for text, is not empty).</param>
/// <param name="Text">The value, for text sources.</param>
/// <param name="Json">The value, for fields of the client's JSON body.</param>
internal readonly record struct InputValue(bool Present, string? Text, JsonElement Json);
