namespace Portico.Transcoding;

/// <summary>A variable of a <see cref="PathTemplate"/>: the request field it sets and the template segments it spans (<c>[Start, End)</c>).</summary>
internal sealed record PathVariable(string FieldPath, int Start, int End);
