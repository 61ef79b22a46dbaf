namespace Portico.Aggregation;

/// <summary>Where a placeholder's value is written, which decides what values are acceptable.</summary>
internal enum InputContext
{
    /// <summary>A URL path: percent-encoded, and never a <c>.</c> or <c>..</c> segment.</summary>
    Path,

    /// <summary>A URL query: percent-encoded.</summary>
    Query,

    /// <summary>A header value: no control characters but tab.</summary>
    Header,

    /// <summary>Text inside a JSON string.</summary>
    Text,

    /// <summary>A whole JSON value: anything goes.</summary>
    Json,
}
