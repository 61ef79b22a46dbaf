namespace Portico.Admin;

/// <summary>What a request path is, as far as Portico's own endpoints are concerned.</summary>
internal enum PorticoEndpointMatchKind
{
    /// <summary>Not under the endpoint prefix: an ordinary request for the routes.</summary>
    Outside,

    /// <summary>A public endpoint.</summary>
    Public,

    /// <summary>
    /// Under <c>{prefix}/admin</c>: an admin endpoint, or no endpoint at all. Either way the admin policy decides first,
    /// so an unauthenticated caller cannot tell which admin paths exist.
    /// </summary>
    Admin,

    /// <summary>Under the prefix, outside <c>/admin</c>, and no endpoint has the path: 404.</summary>
    NotFound,
}
