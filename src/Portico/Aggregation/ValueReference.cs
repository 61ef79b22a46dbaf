namespace Portico.Aggregation;

/// <summary>
/// One value a template needs, bound when the snapshot is compiled: a request input (resolved once per request
/// into slot <see cref="InputIndex"/>) or a field of part <see cref="PartIndex"/>'s answer.
/// </summary>
internal sealed class ValueReference
{
    public required ValueSource Source { get; init; }

    /// <summary>The route parameter, query parameter, header, identity field or claim name.</summary>
    public string Key { get; init; } = "";

    /// <summary>The field, for <see cref="ValueSource.Body"/> and <see cref="ValueSource.Part"/>.</summary>
    public JsonPathSelector? Path { get; init; }

    /// <summary>The part read, for <see cref="ValueSource.Part"/>; -1 otherwise.</summary>
    public int PartIndex { get; init; } = -1;

    /// <summary>The request input slot; -1 for part fields.</summary>
    public int InputIndex { get; init; } = -1;

    /// <summary>Words for messages: <c>query parameter 'q'</c>. Never the value, which may be a credential.</summary>
    public required string Description { get; init; }

    /// <summary>Whether the value comes from a JSON document (the client body or a part's answer) rather than text.</summary>
    public bool IsJson => Source is ValueSource.Body or ValueSource.Part;
}
