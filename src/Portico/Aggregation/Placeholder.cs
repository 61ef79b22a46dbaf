namespace Portico.Aggregation;

/// <summary>
/// A placeholder as written, before binding: <c>{source.key}</c>, <c>{source/json/pointer}</c> or <c>{source}</c>,
/// with a trailing <c>?</c> when a missing value may be empty.
/// </summary>
/// <param name="Source">The word before the first <c>.</c> or <c>/</c>: a source name or a part name.</param>
/// <param name="Rest">What follows it, without the separator.</param>
/// <param name="IsPointer">True when <paramref name="Rest"/> followed a <c>/</c> (an RFC 6901 pointer without its leading slash).</param>
/// <param name="HasRest">Whether a separator followed the source.</param>
/// <param name="Optional">Whether a missing value renders as empty instead of failing.</param>
/// <param name="Text">The placeholder as written, braces included, for messages.</param>
internal readonly record struct Placeholder(string Source, string Rest, bool IsPointer, bool HasRest, bool Optional, string Text);
