using Microsoft.AspNetCore.Routing.Patterns;
using Portico.Configuration;
using Portico.Validation.OpenApi;

namespace Portico.Validation;

/// <summary>
/// Compiles the <c>validation</c> of each route of one registry load: inline rules, schema files and OpenAPI documents,
/// paths resolved against the registry file's folder. Each document is read once per load. Every problem is reported
/// with the route's field; a problem inside an OpenAPI document names the document and the operation.
/// </summary>
internal sealed class ValidationCompilation(string? baseDirectory)
{
    private readonly Dictionary<string, (OpenApiSpec? Spec, string? Problem)> _specs = new(StringComparer.Ordinal);

    /// <summary>The route's compiled validation; null when it has none or after reporting its errors.</summary>
    public RouteValidation? Compile(RouteDefinition route, RoutePattern? pattern, Action<string, string> error)
    {
        if (route.Validation is not { } validation)
        {
            return null;
        }

        var failures = 0;
        void Error(string field, string message)
        {
            failures++;
            error(field, message);
        }

        var routeParameters = pattern?.Parameters.Select(p => p.Name).ToList() ?? [];
        if (validation.OpenApi is not { } reference)
        {
            var rules = CompileRules(validation, validation, null, routeParameters, Error);
            return failures > 0 || rules is null ? null : RouteValidation.ForAll(rules);
        }

        if (!_specs.TryGetValue(reference.Document, out var loaded))
        {
            var spec = OpenApiSpec.Load(reference.Document, baseDirectory, out var problem);
            _specs[reference.Document] = loaded = (spec, problem);
        }

        if (loaded.Spec is not { } document)
        {
            Error("validation.openApi.document", loaded.Problem!);
            return null;
        }

        var matches = document.Find(reference.OperationId, route.Match.Methods, route.Match.Path, out var findProblem);
        if (findProblem is not null)
        {
            Error(reference.OperationId is null ? "validation.openApi" : "validation.openApi.operationId", findProblem);
            return null;
        }

        if (reference.OperationId is not null && route.Match.Methods is { Count: > 0 } methods && !methods.Contains(matches[0].Method, StringComparer.OrdinalIgnoreCase))
        {
            Error("validation.openApi.operationId", $"operation '{reference.OperationId}' is a {matches[0].Method}, which the route's match.methods do not include");
            return null;
        }

        var perMethod = new Dictionary<string, ValidationRules>(StringComparer.OrdinalIgnoreCase);
        foreach (var match in matches)
        {
            var fromDocument = OpenApiRules.For(match, document, routeParameters);
            var rules = CompileRules(Merge(fromDocument, validation), validation, $"{document.Path}: {match.Label}: ", routeParameters, Error);
            if (rules is not null)
            {
                perMethod[match.Method] = rules;
            }
        }

        return failures > 0 ? null
            : reference.OperationId is not null ? RouteValidation.ForAll(perMethod.Values.Single())
            : RouteValidation.PerMethod(perMethod);
    }

    /// <summary>The document's rules with the route's own fields added or put in their place.</summary>
    private static ValidationDefinition Merge(ValidationDefinition document, ValidationDefinition route) => new()
    {
        Path = Overlay(document.Path, route.Path),
        Query = Overlay(document.Query, route.Query),
        ContentTypes = route.ContentTypes ?? document.ContentTypes,
        Body = document.Body is null ? route.Body : route.Body is null ? document.Body : new BodyValidationDefinition
        {
            Schema = route.Body.Schema ?? document.Body.Schema,
            Required = route.Body.Required ?? document.Body.Required,
            MaxDepth = route.Body.MaxDepth ?? document.Body.MaxDepth,
        },
        MaxViolations = route.MaxViolations,
    };

    private static IReadOnlyDictionary<string, ParameterRuleDefinition>? Overlay(
        IReadOnlyDictionary<string, ParameterRuleDefinition>? document, IReadOnlyDictionary<string, ParameterRuleDefinition>? route)
    {
        if (document is null || route is null)
        {
            return route ?? document;
        }

        var merged = new Dictionary<string, ParameterRuleDefinition>(document, StringComparer.Ordinal);
        foreach (var (name, rule) in route)
        {
            merged[name] = rule;
        }

        return merged;
    }

    /// <summary>
    /// Compiles <paramref name="definition"/>. A rule the route wrote itself (in <paramref name="own"/>) is reported at its
    /// field; one from the document at <c>validation.openApi</c>, its message starting with <paramref name="documentLabel"/>.
    /// </summary>
    private ValidationRules? CompileRules(
        ValidationDefinition definition, ValidationDefinition own, string? documentLabel, IReadOnlyList<string> routeParameters, Action<string, string> error)
    {
        var failures = 0;
        void Report(bool isOwn, string ownField, string documentWhat, string message)
        {
            failures++;
            if (isOwn || documentLabel is null)
            {
                error(ownField, message);
            }
            else
            {
                error("validation.openApi", $"{documentLabel}{documentWhat}: {message}");
            }
        }

        var maxViolations = definition.MaxViolations ?? ValidationRules.DefaultMaxViolations;
        if (maxViolations is < 1 or > ValidationRules.MaxMaxViolations)
        {
            Report(true, "validation.maxViolations", "", $"must be 1 to {ValidationRules.MaxMaxViolations}");
        }

        var path = Parameters("path", definition.Path, own.Path, Report);
        foreach (var rule in path)
        {
            if (!routeParameters.Contains(rule.Name, StringComparer.OrdinalIgnoreCase))
            {
                Report(own.Path?.ContainsKey(rule.Name) == true, $"validation.path.{rule.Name}", $"path parameter '{rule.Name}'",
                    $"the route's match path has no parameter '{rule.Name}'");
            }
        }

        var query = Parameters("query", definition.Query, own.Query, Report);
        var mediaTypes = definition.ContentTypes is { } types
            ? MediaTypeList.Compile(types, (i, message) => Report(own.ContentTypes is not null, i < 0 ? "validation.contentTypes" : $"validation.contentTypes[{i}]", "request body media types", message))
            : null;

        BodyRule? body = null;
        var bodyRequired = false;
        if (definition.Body is { } bodyDefinition)
        {
            bodyRequired = bodyDefinition.Required == true;
            var maxDepth = bodyDefinition.MaxDepth ?? BodyRule.DefaultMaxDepth;
            if (maxDepth is < 1 or > BodyRule.MaxMaxDepth)
            {
                Report(true, "validation.body.maxDepth", "", $"must be 1 to {BodyRule.MaxMaxDepth}");
            }

            Json.Schema.JsonSchema? schema = null;
            if (bodyDefinition.Schema is { } schemaElement)
            {
                var ownSchema = own.Body?.Schema is not null;
                schema = SchemaCompiler.Compile(schemaElement, baseDirectory, "", message => Report(ownSchema, "validation.body.schema", "request body schema", message));
            }

            body = new BodyRule(schema, maxDepth);
            mediaTypes ??= schema is not null ? MediaTypeList.Json : null;
        }

        return failures > 0 ? null : new ValidationRules
        {
            Path = path,
            Query = query,
            MediaTypes = mediaTypes,
            Body = body,
            BodyRequired = bodyRequired,
            MaxViolations = maxViolations,
        };
    }

    private static ParameterRule[] Parameters(
        string @in,
        IReadOnlyDictionary<string, ParameterRuleDefinition>? definitions,
        IReadOnlyDictionary<string, ParameterRuleDefinition>? own,
        Action<bool, string, string, string> report)
    {
        var rules = new List<ParameterRule>();
        foreach (var (name, definition) in definitions ?? new Dictionary<string, ParameterRuleDefinition>())
        {
            var isOwn = own?.ContainsKey(name) == true;
            var rule = ParameterRule.Compile(name, definition, (field, message) => report(isOwn, $"validation.{@in}.{name}.{field}", $"{@in} parameter '{name}'", message));
            if (rule is not null)
            {
                rules.Add(rule);
            }
        }

        return [.. rules];
    }
}
