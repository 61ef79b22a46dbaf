using System.Text.Json;

namespace Portico.GraphQL;

/// <summary>How GraphQL answers are written: UTF-8 kept as is (RFC 8259 §8.1), control characters and quotes escaped.</summary>
internal static class GraphQLJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
