using Microsoft.OpenApi;

namespace Portico.Validation.OpenApi;

/// <summary>One operation of an OpenAPI document: its method, its path template and its path item.</summary>
/// <param name="Method">The method, upper case.</param>
/// <param name="Path">The document's path template, for example <c>/pets/{petId}</c>.</param>
/// <param name="Operation">The operation.</param>
/// <param name="PathItem">The path item (its parameters apply to every operation under it).</param>
public sealed record OpenApiOperationMatch(string Method, string Path, OpenApiOperation Operation, IOpenApiPathItem PathItem)
{
    /// <summary>How messages name the operation: its operationId, or method and path.</summary>
    public string Label => Operation.OperationId is { Length: > 0 } id ? $"operation '{id}'" : $"{Method} {Path}";
}
