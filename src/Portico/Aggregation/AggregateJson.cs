using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>JSON writing settings of merged answers.</summary>
internal static class AggregateJson
{
    /// <summary>
    /// The merged answer is <c>application/json</c> for API clients, never embedded in HTML, so non-ASCII text stays
    /// as the backends sent it instead of growing sixfold into <c>\uXXXX</c> escapes (RFC 8259 §8.1: UTF-8).
    /// </summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>
    /// The merged answer is written one part at a time (members of the root object without the writer seeing the
    /// object), so the writer's structural validation is off; <see cref="MergedAnswer"/> keeps the structure.
    /// </summary>
    public static readonly JsonWriterOptions MergeWriter = new() { Encoder = Encoder, SkipValidation = true };

    /// <summary>Request bodies built from templates.</summary>
    public static readonly JsonWriterOptions BodyWriter = new() { Encoder = Encoder };

    /// <summary>The reserved member of a partial answer.</summary>
    public const string MarkerMember = "_portico";
}
