namespace Portico.Configuration;

/// <summary>The OpenAPI operation whose parameters and request body a route's validation follows.</summary>
public sealed record OpenApiReferenceDefinition
{
    /// <summary>The OpenAPI 3.0 or 3.1 document (JSON or YAML), relative to the registry file.</summary>
    public required string Document { get; init; }

    /// <summary>
    /// The operation's <c>operationId</c>. Without it the operation is found by the route's methods and match path
    /// (the route's path equals the document's path, or ends with it after a prefix such as <c>/api</c>).
    /// </summary>
    public string? OperationId { get; init; }
}
