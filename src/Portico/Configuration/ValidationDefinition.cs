namespace Portico.Configuration;

/// <summary>
/// What a request on the route must look like before it is forwarded (docs/validation.md): its path and query
/// parameters, its media type and its JSON body. A request that breaks a rule is answered 400 <c>validation-failed</c>
/// (415 <c>unsupported-media-type</c> for a media type the route does not accept) and never reaches the backend.
/// </summary>
public sealed record ValidationDefinition
{
    /// <summary>An OpenAPI 3.0 or 3.1 document whose operation supplies the rules; the fields below add to or replace them.</summary>
    public OpenApiReferenceDefinition? OpenApi { get; init; }

    /// <summary>Rules for the path parameters of the match template, by parameter name.</summary>
    public IReadOnlyDictionary<string, ParameterRuleDefinition>? Path { get; init; }

    /// <summary>Rules for query parameters, by name.</summary>
    public IReadOnlyDictionary<string, ParameterRuleDefinition>? Query { get; init; }

    /// <summary>The JSON body: its schema, whether it is required, and its nesting limit.</summary>
    public BodyValidationDefinition? Body { get; init; }

    /// <summary>
    /// Media types a request body may have (<c>application/json</c>, <c>application/*+json</c>, <c>multipart/form-data</c>);
    /// others get 415. Default: the JSON types when <see cref="Body"/> has a schema, anything otherwise.
    /// </summary>
    public IReadOnlyList<string>? ContentTypes { get; init; }

    /// <summary>Most violations listed in one answer (1 to 100, default 20); the answer says how many more there were.</summary>
    public int? MaxViolations { get; init; }
}
