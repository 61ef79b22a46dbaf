namespace Portico.Tests.Infrastructure;

/// <summary>What a test backend saw of one request.</summary>
/// <param name="Path">The path as Kestrel decoded it (every escape but <c>%2F</c>).</param>
/// <param name="RawTarget">The request target exactly as it arrived (path and query, nothing decoded).</param>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, long BodyLength, string RawTarget)
{
    /// <summary>The path part of <see cref="RawTarget"/>, exactly as it arrived.</summary>
    public string RawPath => RawTarget.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? RawTarget[..q] : RawTarget;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
