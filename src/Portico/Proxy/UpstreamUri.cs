namespace Portico.Proxy;

/// <summary>
/// Upstream request URIs sent exactly as written: <see cref="Uri"/> otherwise canonicalizes the path and query while
/// parsing (decodes <c>%41</c> to <c>A</c> and <c>%2E</c> to <c>.</c>, turns <c>\</c> into <c>/</c>, encodes a stray
/// <c>%</c> as <c>%25</c>), and the backend would see a request the client never sent.
/// </summary>
internal static class UpstreamUri
{
    private static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <summary>The URI of <paramref name="path"/> and <paramref name="query"/> (raw, as the client sent them) on the backend at <paramref name="destinationPrefix"/>.</summary>
    public static Uri Create(string destinationPrefix, ReadOnlySpan<char> path, ReadOnlySpan<char> query) =>
        new(string.Concat(destinationPrefix, path, query), in AsWritten);
}
