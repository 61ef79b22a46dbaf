namespace Portico.Aggregation;

/// <summary>The outcome of looking up a placeholder's value for one request.</summary>
internal enum ValueStatus
{
    /// <summary>The value exists.</summary>
    Found,

    /// <summary>The value is absent, empty or JSON null.</summary>
    Missing,

    /// <summary>A JSON object or array where text is needed.</summary>
    NotScalar,

    /// <summary>A value that cannot be sent where it goes: a control character in a header, a dot segment in a path.</summary>
    Unsafe,
}
