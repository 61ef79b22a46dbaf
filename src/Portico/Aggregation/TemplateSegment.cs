namespace Portico.Aggregation;

/// <summary>A literal run of a template, or one placeholder.</summary>
/// <param name="Literal">The literal text, or null for a placeholder.</param>
/// <param name="Value">The bound value, for a placeholder.</param>
/// <param name="Optional">Whether a missing value renders as empty.</param>
/// <param name="InQuery">For URL templates: whether the segment is after the first <c>?</c>.</param>
internal readonly record struct TemplateSegment(string? Literal, ValueReference? Value, bool Optional, bool InQuery);
