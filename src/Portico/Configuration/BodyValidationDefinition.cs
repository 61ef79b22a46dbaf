using System.Text.Json;

namespace Portico.Configuration;

/// <summary>How a route checks a JSON request body.</summary>
public sealed record BodyValidationDefinition
{
    /// <summary>
    /// A JSON Schema (draft 2020-12 by default; 2019-09, 07 and 06 by <c>$schema</c>) written inline as an object, or the
    /// path of a file holding one, relative to the registry file. References must be local (<c>#/$defs/…</c>).
    /// </summary>
    public JsonElement? Schema { get; init; }

    /// <summary>Whether a request without a body breaks the rules. Default false.</summary>
    public bool? Required { get; init; }

    /// <summary>Deepest nesting of objects and arrays accepted (1 to 256, default 32).</summary>
    public int? MaxDepth { get; init; }
}
