using System.Globalization;
using System.Text.Json;
using Microsoft.OpenApi;
using Portico.Configuration;

namespace Portico.Validation.OpenApi;

/// <summary>
/// An OpenAPI operation's rules in the registry's own terms (a <see cref="ValidationDefinition"/>): its path and query
/// parameters with their schema constraints, the media types of its request body and the JSON body's schema. Header
/// and cookie parameters are not checked.
/// </summary>
internal static class OpenApiRules
{
    /// <summary>
    /// The rules of <paramref name="match"/>. Path parameters are named as in the route's template
    /// (<paramref name="routeParameters"/>), matched by position when the counts agree, else by name.
    /// </summary>
    public static ValidationDefinition For(OpenApiOperationMatch match, OpenApiSpec spec, IReadOnlyList<string> routeParameters)
    {
        var documentParameters = PathShape.ParameterNames(match.Path);
        var path = new Dictionary<string, ParameterRuleDefinition>(StringComparer.Ordinal);
        var query = new Dictionary<string, ParameterRuleDefinition>(StringComparer.Ordinal);
        foreach (var parameter in Merged(match))
        {
            if (parameter.Name is not { Length: > 0 } name)
            {
                continue;
            }

            switch (parameter.In)
            {
                case ParameterLocation.Path:
                    var position = documentParameters.ToList().IndexOf(name);
                    var routeName = position >= 0 && documentParameters.Count == routeParameters.Count ? routeParameters[position] : name;
                    path[routeName] = Rule(parameter) with { Required = null };
                    break;
                case ParameterLocation.Query:
                    query[name] = Rule(parameter);
                    break;
            }
        }

        return new ValidationDefinition
        {
            Path = path.Count > 0 ? path : null,
            Query = query.Count > 0 ? query : null,
            ContentTypes = match.Operation.RequestBody?.Content is { Count: > 0 } content
                ? [.. content.Keys.Select(k => k.Split(';')[0].Trim())]
                : null,
            Body = Body(match, spec),
        };
    }

    /// <summary>The path item's parameters, overridden by the operation's of the same name and location.</summary>
    private static IEnumerable<IOpenApiParameter> Merged(OpenApiOperationMatch match)
    {
        var operation = match.Operation.Parameters ?? [];
        var inherited = (match.PathItem.Parameters ?? []).Where(p => !operation.Any(o => o.Name == p.Name && o.In == p.In));
        return inherited.Concat(operation);
    }

    private static BodyValidationDefinition? Body(OpenApiOperationMatch match, OpenApiSpec spec)
    {
        if (match.Operation.RequestBody is not { } body)
        {
            return null;
        }

        var json = body.Content?.FirstOrDefault(c => MediaTypeList.IsJson(c.Key) && c.Value.Schema is not null);
        JsonElement? schema = json?.Value.Schema is { } found
            ? JsonSerializer.SerializeToElement(OpenApiSchemaJson.BodySchema(found, spec), OpenApiJsonContext.Default.JsonNode)
            : null;
        return new BodyValidationDefinition { Schema = schema, Required = body.Required ? true : null };
    }

    private static ParameterRuleDefinition Rule(IOpenApiParameter parameter)
    {
        var schema = parameter.Schema;
        var repeated = false;
        if (schema?.Type is { } arrayType && arrayType.HasFlag(JsonSchemaType.Array))
        {
            repeated = true;
            schema = schema.Items;
        }

        if (schema is null)
        {
            return new ParameterRuleDefinition { Required = parameter.Required ? true : null, Repeated = repeated ? true : null };
        }

        var type = schema.Type switch
        {
            { } t when t.HasFlag(JsonSchemaType.Integer) => "integer",
            { } t when t.HasFlag(JsonSchemaType.Number) => "number",
            { } t when t.HasFlag(JsonSchemaType.Boolean) => "boolean",
            _ => null,
        };
        var numeric = type is "integer" or "number";
        var minimum = numeric ? Number(schema.Minimum) : null;
        var maximum = numeric ? Number(schema.Maximum) : null;
        var exclusiveMinimum = numeric ? Number(schema.ExclusiveMinimum) : null;
        var exclusiveMaximum = numeric ? Number(schema.ExclusiveMaximum) : null;

        // The reader turns OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum into 3.1's numeric ones.
        return new ParameterRuleDefinition
        {
            Type = type,
            Required = parameter.Required ? true : null,
            Repeated = repeated ? true : null,
            Pattern = schema.Pattern,
            Enum = schema.Enum is { Count: > 0 } values ? [.. values.Select(v => v is System.Text.Json.Nodes.JsonValue s && s.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? "null")] : null,
            Minimum = minimum,
            Maximum = maximum,
            ExclusiveMinimum = exclusiveMinimum,
            ExclusiveMaximum = exclusiveMaximum,
            MinLength = type is null ? schema.MinLength : null,
            MaxLength = type is null ? schema.MaxLength : null,
        };
    }

    private static decimal? Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
