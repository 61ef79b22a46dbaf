using System.Globalization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Portico.Routing;

/// <summary>
/// Checks and builds the inline constraints of a route template (<c>{id:int}</c>, <c>{code:regex(^[a-z]{{3}}$)}</c>)
/// when the registry is compiled, so that nothing validation accepts can fail while matching a request (issue 22).
/// </summary>
/// <remarks>
/// ASP.NET Core's resolver accepts some constraints it cannot run: a <c>regex</c> is only parsed when the first request
/// reaches it (an invalid pattern then throws on every request), and a backtracking pattern can take seconds per request.
/// Every constraint is therefore checked here with a precise message, and a <c>regex</c> is compiled now with .NET's
/// non-backtracking engine, whose matching time is linear in the input (like RE2, which Envoy requires for the same
/// reason); the constructs it cannot run (backreferences, lookarounds, atomic groups) are refused.
/// </remarks>
internal static class RouteConstraintCheck
{
    private enum Arguments
    {
        None,
        OneCount,
        OneOrTwoCounts,
        OneNumber,
        TwoNumbers,
        Pattern,
    }

    // The inline constraints of ASP.NET Core's default map, with the arguments each takes.
    private static readonly Dictionary<string, Arguments> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["int"] = Arguments.None,
        ["bool"] = Arguments.None,
        ["datetime"] = Arguments.None,
        ["decimal"] = Arguments.None,
        ["double"] = Arguments.None,
        ["float"] = Arguments.None,
        ["guid"] = Arguments.None,
        ["long"] = Arguments.None,
        ["alpha"] = Arguments.None,
        ["required"] = Arguments.None,
        ["file"] = Arguments.None,
        ["nonfile"] = Arguments.None,
        ["minlength"] = Arguments.OneCount,
        ["maxlength"] = Arguments.OneCount,
        ["length"] = Arguments.OneOrTwoCounts,
        ["min"] = Arguments.OneNumber,
        ["max"] = Arguments.OneNumber,
        ["range"] = Arguments.TwoNumbers,
        ["regex"] = Arguments.Pattern,
    };

    /// <summary>The constraint names Portico knows, for error messages.</summary>
    public static string KnownNames { get; } = string.Join(", ", Known.Keys);

    /// <summary>
    /// The constraints of <paramref name="pattern"/> by parameter name, ready to match; each problem is reported to
    /// <paramref name="error"/> as (field, message).
    /// </summary>
    public static KeyValuePair<string, IRouteConstraint>[] Resolve(RoutePattern pattern, IInlineConstraintResolver resolver, Action<string, string> error)
    {
        var result = new List<KeyValuePair<string, IRouteConstraint>>();
        foreach (var (name, policies) in pattern.ParameterPolicies)
        {
            var optional = pattern.GetParameter(name) is { IsOptional: true };
            foreach (var policy in policies)
            {
                if (policy.Content is null)
                {
                    continue;
                }

                if (Build(policy.Content, resolver, out var problem) is not { } constraint)
                {
                    error("match.path", $"constraint '{policy.Content}' on '{{{name}}}': {problem}");
                    continue;
                }

                // As ASP.NET Core does: an optional parameter left out satisfies its constraints.
                result.Add(new(name, optional ? new OptionalRouteConstraint(constraint) : constraint));
            }
        }

        return [.. result];
    }

    private static IRouteConstraint? Build(string text, IInlineConstraintResolver resolver, out string? problem)
    {
        var open = text.IndexOf('(');
        var name = open < 0 ? text : text[..open];
        string? argument = null;
        if (open >= 0)
        {
            if (!text.EndsWith(')'))
            {
                problem = "the argument list is not closed with ')'";
                return null;
            }

            argument = text[(open + 1)..^1];
        }

        if (!Known.TryGetValue(name, out var kind))
        {
            problem = $"unknown route constraint '{name}' (known: {KnownNames})";
            return null;
        }

        problem = CheckArguments(name, kind, argument);
        if (problem is not null)
        {
            return null;
        }

        if (kind == Arguments.Pattern)
        {
            return LinearRegexConstraint.TryCreate(argument!, out problem);
        }

        try
        {
            return resolver.ResolveConstraint(text) ?? throw new InvalidOperationException();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or RouteCreationException or FormatException or OverflowException)
        {
            // Every argument was checked above; this is the resolver disagreeing, reported without its .NET type names.
            problem = "not accepted by the route constraint resolver";
            return null;
        }
    }

    private static string? CheckArguments(string name, Arguments kind, string? argument)
    {
        var parts = argument?.Split(',') ?? [];
        switch (kind)
        {
            case Arguments.None:
                return argument is null ? null : $"'{name}' takes no argument";
            case Arguments.OneCount:
                return parts.Length == 1 && IsCount(parts[0]) ? null : $"'{name}' takes one length, a whole number of 0 or more, as in {name}(3)";
            case Arguments.OneOrTwoCounts:
                if (parts.Length is < 1 or > 2 || !parts.All(IsCount))
                {
                    return "'length' takes a length or a minimum and a maximum, whole numbers of 0 or more, as in length(3) or length(2,8)";
                }

                return parts.Length == 2 && int.Parse(parts[0], CultureInfo.InvariantCulture) > int.Parse(parts[1], CultureInfo.InvariantCulture)
                    ? $"the minimum {parts[0]} is greater than the maximum {parts[1]}"
                    : null;
            case Arguments.OneNumber:
                return parts.Length == 1 && IsNumber(parts[0]) ? null : $"'{name}' takes one whole number, as in {name}(10)";
            case Arguments.TwoNumbers:
                if (parts.Length != 2 || !parts.All(IsNumber))
                {
                    return "'range' takes a minimum and a maximum, whole numbers, as in range(1,100)";
                }

                return long.Parse(parts[0], CultureInfo.InvariantCulture) > long.Parse(parts[1], CultureInfo.InvariantCulture)
                    ? $"the minimum {parts[0]} is greater than the maximum {parts[1]}"
                    : null;
            case Arguments.Pattern:
                return string.IsNullOrEmpty(argument) ? "'regex' takes a regular expression, as in regex(^[a-z]{{2}}$)" : null;
            default:
                return null;
        }
    }

    private static bool IsCount(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static bool IsNumber(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
