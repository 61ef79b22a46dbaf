using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Portico.Functions.TestHost;

/// <summary>
/// The HTTP routes of the loaded functions, as the host builds them: <c>routePrefix/route</c> templates with a method
/// constraint, tried in function-name order, the first match winning. Routes under the host's own <c>admin</c> and
/// <c>runtime</c> space and routes that conflict with an earlier function's are refused at indexing, as the host refuses them.
/// </summary>
internal sealed class HttpRouteTable
{
    private readonly (FunctionDescription Function, TemplateMatcher Matcher)[] _routes;

    private HttpRouteTable((FunctionDescription, TemplateMatcher)[] routes) => _routes = routes;

    /// <summary>Builds the table; the functions the host would refuse are left out, each with its reason in <paramref name="errors"/>.</summary>
    public static HttpRouteTable Build(IEnumerable<FunctionDescription> functions, string routePrefix, List<string> errors)
    {
        var accepted = new List<FunctionDescription>();
        foreach (var function in functions.Where(f => f.HttpTrigger is not null).OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase))
        {
            var trigger = function.HttpTrigger!;
            var route = trigger.Route.Trim('/');
            if (route.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || route.StartsWith("runtime", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"Function '{function.Name}': the specified route conflicts with one or more built in routes.");
                continue;
            }

            var conflict = accepted.FirstOrDefault(other => Conflicts(trigger, other.HttpTrigger!));
            if (conflict is not null)
            {
                errors.Add($"Function '{function.Name}': the route specified conflicts with the route defined by function '{conflict.Name}'.");
                continue;
            }

            accepted.Add(function);
        }

        var routes = accepted.Select(f =>
        {
            var template = TemplateParser.Parse(string.IsNullOrEmpty(routePrefix) ? f.HttpTrigger!.Route.Trim('/') : routePrefix + "/" + f.HttpTrigger!.Route.Trim('/'));
            return (f, new TemplateMatcher(template, new RouteValueDictionary()));
        }).ToArray();
        return new HttpRouteTable(routes);
    }

    /// <summary>The first function whose route and methods match, with the route values.</summary>
    public bool TryMatch(string path, string method, out FunctionDescription? function, out RouteValueDictionary values)
    {
        foreach (var (candidate, matcher) in _routes)
        {
            var methods = candidate.HttpTrigger!.Methods;
            if (methods is not null && !methods.Contains(method.ToUpperInvariant()))
            {
                continue;
            }

            values = [];
            if (matcher.TryMatch(path, values))
            {
                function = candidate;
                return true;
            }
        }

        function = null;
        values = [];
        return false;
    }

    // Two routes conflict when their templates are the same and their methods intersect (no list means every method).
    private static bool Conflicts(HttpTriggerBinding one, HttpTriggerBinding other) =>
        string.Equals(one.Route.Trim('/'), other.Route.Trim('/'), StringComparison.OrdinalIgnoreCase)
        && (one.Methods is null || other.Methods is null || one.Methods.Overlaps(other.Methods));
}
