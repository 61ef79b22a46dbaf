using Microsoft.AspNetCore.Http;

namespace Portico.Validation;

/// <summary>
/// A route's validation, compiled with the snapshot: one set of rules for every method, or (for a route that takes
/// its rules from several OpenAPI operations) one set per method, with no rules for a method the document lacks.
/// </summary>
internal sealed class RouteValidation
{
    private readonly ValidationRules? _all;
    private readonly Dictionary<string, ValidationRules>? _byMethod;

    private RouteValidation(ValidationRules? all, Dictionary<string, ValidationRules>? byMethod)
    {
        _all = all;
        _byMethod = byMethod;
        MayReadBody = all?.Body is not null || (byMethod?.Values.Any(r => r.Body is not null) ?? false);
    }

    /// <summary>Whether some request on the route has its body buffered and read (its size limit defaults lower).</summary>
    public bool MayReadBody { get; }

    /// <summary>The same rules for every method.</summary>
    public static RouteValidation ForAll(ValidationRules rules) => new(rules, null);

    /// <summary>Rules per method (upper-case names).</summary>
    public static RouteValidation PerMethod(Dictionary<string, ValidationRules> rules) => new(null, rules);

    /// <summary>The rules for a request with <paramref name="method"/>; null when it has none.</summary>
    public ValidationRules? For(string method)
    {
        if (_all is not null)
        {
            return _all;
        }

        // A HEAD is a GET without the response body (RFC 9110 §9.3.2): without rules of its own it has the GET's.
        return _byMethod!.TryGetValue(method, out var rules) ? rules
            : HttpMethods.IsHead(method) && _byMethod.TryGetValue(HttpMethods.Get, out var get) ? get
            : null;
    }
}
