using System.Text;
using Portico.Configuration;
using Portico.Validation.OpenApi;

namespace Portico.Cli.Config.OpenApi;

/// <summary>
/// The routes <c>portico config import --openapi</c> makes from a document: one per operation, its path and method,
/// proxied to the backend, validated by the document (parameters with their constraints, media types, body schema).
/// A generated route is recognisable by its id prefix and by its <c>validation.openApi.document</c> naming the document;
/// every other route is the operator's and is never touched.
/// </summary>
internal sealed class OpenApiRouteGenerator(OpenApiSpec spec, string documentReference, string backend, string auth, string idPrefix, string pathPrefix)
{
    /// <summary>The routes the document describes, in document order.</summary>
    public IReadOnlyList<RouteDefinition> Generate()
    {
        var routes = new List<RouteDefinition>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in spec.Operations)
        {
            var name = Slug(operation.Operation.OperationId is { Length: > 0 } operationId ? operationId : $"{operation.Method}-{operation.Path}");
            var id = idPrefix + name;
            for (int n = 2; !ids.Add(id); n++)
            {
                id = $"{idPrefix}{name}-{n}";
            }

            routes.Add(new RouteDefinition
            {
                Id = id,
                Auth = auth,
                Match = new RouteMatchDefinition { Path = pathPrefix.TrimEnd('/') + operation.Path, Methods = [operation.Method] },
                Backend = backend,
                Validation = new ValidationDefinition
                {
                    OpenApi = new OpenApiReferenceDefinition { Document = documentReference, OperationId = operation.Operation.OperationId is { Length: > 0 } op ? op : null },
                },
            });
        }

        return routes;
    }

    /// <summary>Whether <paramref name="route"/> was generated from this document with this id prefix.</summary>
    public bool IsGenerated(RouteDefinition route) =>
        route.Id.StartsWith(idPrefix, StringComparison.Ordinal) && route.Validation?.OpenApi?.Document == documentReference;

    /// <summary>
    /// The registry after an import: generated routes added, updated (only the fields the document decides: match,
    /// backend and the OpenAPI reference; the operator's additions such as rate limits stay) or removed when their
    /// operation is gone. A hand-written route with a generated route's id is a conflict, reported in <paramref name="conflicts"/>.
    /// </summary>
    public RegistryDocument Apply(RegistryDocument current, List<string> conflicts)
    {
        var generated = Generate().ToDictionary(r => r.Id, StringComparer.Ordinal);
        var routes = new List<RouteDefinition>();
        foreach (var route in current.Routes)
        {
            if (generated.Remove(route.Id, out var fresh))
            {
                if (!IsGenerated(route))
                {
                    conflicts.Add($"route '{route.Id}' exists and was not generated from {documentReference}; rename it or choose another --id-prefix");
                    routes.Add(route);
                    continue;
                }

                routes.Add(route with
                {
                    Match = fresh.Match with { Hosts = route.Match.Hosts, Priority = route.Match.Priority },
                    Backend = fresh.Backend,
                    Validation = (route.Validation ?? new ValidationDefinition()) with { OpenApi = fresh.Validation!.OpenApi },
                });
            }
            else if (!IsGenerated(route))
            {
                routes.Add(route);
            }
        }

        // Operations new to the document come after the existing routes, in document order.
        routes.AddRange(Generate().Where(r => generated.ContainsKey(r.Id)));
        return current with { Routes = routes };
    }

    /// <summary>An id part from an operationId or a method and path: letters, digits, '.', '_' and '-'.</summary>
    private static string Slug(string text)
    {
        var slug = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        var result = slug.ToString().Trim('-');
        while (result.Contains("--", StringComparison.Ordinal))
        {
            result = result.Replace("--", "-", StringComparison.Ordinal);
        }

        return result.Length > 96 ? result[..96] : result.Length == 0 ? "operation" : result;
    }
}
