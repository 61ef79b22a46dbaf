using System.Text.Json.Nodes;

namespace Portico.Configuration;

/// <summary>One field of a changed registry item, old and new (decK-style diffs, issue 22).</summary>
/// <param name="Path">The field inside the item, for example <c>match.methods</c> or <c>parts[1].backend</c>.</param>
/// <param name="Old">The value before; null when the field was absent.</param>
/// <param name="New">The value after; null when the field is removed.</param>
public sealed record RegistryFieldChange(string Path, JsonNode? Old, JsonNode? New)
{
    /// <summary>What an absent value reads as in text.</summary>
    public const string Absent = "(absent)";

    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Text(Old)} → {Text(New)}";

    private static string Text(JsonNode? value) => value?.ToJsonString() ?? Absent;
}
