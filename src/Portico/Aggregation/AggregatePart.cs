using System.Text.Json;
using Portico.Proxy;

namespace Portico.Aggregation;

/// <summary>One part of a composite route, compiled once per snapshot: its request templates, limits, shape and place.</summary>
internal sealed class AggregatePart
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    /// <summary>The name as a JSON string, for the partial marker's list.</summary>
    public required JsonEncodedText EncodedName { get; init; }

    public required CompiledBackend Backend { get; init; }

    public required HttpMethod Method { get; init; }

    public required ValueTemplate Path { get; init; }

    /// <summary>The backend URI, when <see cref="Path"/> has no placeholder: built once, shared by every request.</summary>
    public Uri? LiteralUri { get; init; }

    /// <summary>Configured headers; <c>IsContent</c> ones (<c>Content-*</c>) go on the body.</summary>
    public required (string Name, ValueTemplate Value, bool IsContent)[] Headers { get; init; }

    /// <summary>Whether the part sets <c>Accept</c> itself; otherwise <c>application/json</c> is asked for.</summary>
    public bool SetsAccept { get; init; }

    public bool ForwardBody { get; init; }

    public JsonBodyTemplate? Body { get; init; }

    public bool Optional { get; init; }

    public JsonElement? Fallback { get; init; }

    /// <summary>The part's own time limit, when shorter than the route's deadline.</summary>
    public TimeSpan? Timeout { get; init; }

    public required long MaxResponseSize { get; init; }

    /// <summary>True when the data's members are copied into the answer's root object.</summary>
    public bool MergeIntoRoot { get; init; }

    /// <summary>The member holding the data (the part's name unless <c>member</c> says otherwise).</summary>
    public required JsonEncodedText Member { get; init; }

    /// <summary>The member's name as text.</summary>
    public required string MemberName { get; init; }

    public JsonPathSelector? Pointer { get; init; }

    public required PartShape Shape { get; init; }

    /// <summary>Indexes of the parts whose answers this one reads.</summary>
    public required int[] Dependencies { get; init; }

    /// <summary>The request inputs its templates read, for the checks made before any backend is called.</summary>
    public required InputUse[] Inputs { get; init; }

    /// <summary>The span name.</summary>
    public required string ActivityName { get; init; }
}
