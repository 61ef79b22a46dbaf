using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>What one part of one request produced. Written once by the part's task; read after it completed.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Status">The backend's status code, or 0 when none was received.</param>
/// <param name="Document">The parsed answer (owned by the run, disposed with it); null for an empty answer.</param>
/// <param name="Buffer">The pooled bytes <paramref name="Document"/> was parsed from (returned with it).</param>
/// <param name="Data">The part's data after its pointer: what goes into the merged answer.</param>
internal readonly record struct PartState(PartOutcome Outcome, int Status, JsonDocument? Document, byte[]? Buffer, JsonElement Data)
{
    /// <summary>The whole answer, which other parts' placeholders read (before pointer, fields and renaming).</summary>
    public JsonElement Root => Document?.RootElement ?? EmptyAnswer;

    /// <summary>An empty answer (204, or no body) reads as JSON null.</summary>
    public static readonly JsonElement EmptyAnswer = JsonDocument.Parse("null").RootElement;
}
