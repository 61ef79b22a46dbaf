namespace Portico.Admin;

/// <summary>The result of matching a request path against Portico's endpoints; a value, so matching allocates nothing.</summary>
/// <param name="Kind">What the path is.</param>
/// <param name="Endpoint">The endpoint that owns the path, if any.</param>
/// <param name="SubpathStart">For a sub-tree endpoint, where the part below its path starts in the request path.</param>
internal readonly record struct PorticoEndpointMatch(PorticoEndpointMatchKind Kind, RegisteredEndpoint? Endpoint, int SubpathStart)
{
    public static PorticoEndpointMatch Outside => default;

    public static PorticoEndpointMatch NotFound => new(PorticoEndpointMatchKind.NotFound, null, 0);
}
