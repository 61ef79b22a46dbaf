using Microsoft.AspNetCore.Routing.Patterns;
using Portico.Configuration;
using Portico.Security;

namespace Portico.Aggregation;

/// <summary>
/// Binds the placeholders of one part's templates (docs/aggregation.md, "Placeholders") when the snapshot is compiled:
/// <c>{route.NAME}</c>, <c>{query.NAME}</c>, <c>{header.NAME}</c>, <c>{identity.FIELD}</c>, <c>{claim.NAME}</c> and
/// <c>{body…}</c> become request inputs shared by the route's parts; <c>{PART…}</c> becomes a field of another part's
/// answer and a dependency of this part. Collects the part's dependencies and the request inputs it reads.
/// </summary>
internal sealed class PlaceholderBinder(
    RouteDefinition route,
    RoutePattern? pattern,
    IReadOnlyDictionary<string, int> partNames,
    RequestInputs inputs,
    string identityPrefix,
    int self)
{
    // The built-in policy that lets every caller through: a route with it has no identity to read.
    private const string AnonymousPolicy = "anonymous";

    private static readonly string[] IdentityFields = ["consumerId", "subject", "method"];

    private readonly SortedSet<int> _dependencies = [];
    private readonly List<InputUse> _uses = [];

    /// <summary>Indexes of the parts whose answers this part reads, ascending.</summary>
    public int[] Dependencies => [.. _dependencies];

    /// <summary>The request inputs the part's templates read, in the order they were met.</summary>
    public InputUse[] Uses => [.. _uses];

    /// <summary>The value <paramref name="placeholder"/> names; null after reporting why it cannot be read.</summary>
    public ValueReference? Bind(Placeholder placeholder, Action<string> error) => placeholder.Source switch
    {
        "route" => BindRouteParameter(placeholder, error),
        "query" => NeedsKey(placeholder, "a query parameter name", error)
            ? inputs.Add(ValueSource.Query, placeholder.Rest, null, $"query parameter '{placeholder.Rest}'")
            : null,
        "header" => BindHeader(placeholder, error),
        "identity" => BindIdentityField(placeholder, error),
        "claim" => NeedsKey(placeholder, "a claim name", error) && NeedsIdentity(placeholder, error)
            ? inputs.Add(ValueSource.Claim, placeholder.Rest, null, $"claim '{placeholder.Rest}'")
            : null,
        "body" => BindBody(placeholder, error),
        _ => BindPart(placeholder, error),
    };

    /// <summary>Records that a template reads <paramref name="value"/> in <paramref name="context"/>, when it is a request input.</summary>
    public void Use(ValueReference value, bool optional, InputContext context)
    {
        if (value.InputIndex >= 0)
        {
            _uses.Add(new InputUse(value, optional, context));
        }
    }

    private ValueReference? BindRouteParameter(Placeholder placeholder, Action<string> error)
    {
        if (!NeedsKey(placeholder, "a route parameter", error))
        {
            return null;
        }

        var key = placeholder.Rest;
        if (pattern is not null && pattern.GetParameter(key) is null)
        {
            var known = pattern.Parameters.Count == 0 ? "none" : string.Join(", ", pattern.Parameters.Select(p => p.Name));
            error($"'{placeholder.Text}': match.path has no parameter '{key}' (it has: {known})");
            return null;
        }

        return inputs.Add(ValueSource.Route, key, null, $"route parameter '{key}'");
    }

    private ValueReference? BindHeader(Placeholder placeholder, Action<string> error)
    {
        if (!NeedsKey(placeholder, "a header name", error))
        {
            return null;
        }

        var key = placeholder.Rest;
        if (!HttpToken.IsValid(key))
        {
            error($"'{placeholder.Text}': '{key}' is not a valid header name");
            return null;
        }

        if (HeaderHygiene.IsBlocked(key, identityPrefix))
        {
            error($"'{placeholder.Text}': clients can forge '{key}', so Portico never reads it from them");
            return null;
        }

        return inputs.Add(ValueSource.Header, key.ToLowerInvariant(), null, $"header '{key}'");
    }

    private ValueReference? BindIdentityField(Placeholder placeholder, Action<string> error)
    {
        if (!NeedsKey(placeholder, "an identity field", error) || !NeedsIdentity(placeholder, error))
        {
            return null;
        }

        var key = placeholder.Rest;
        if (!IdentityFields.Contains(key, StringComparer.Ordinal))
        {
            error($"'{placeholder.Text}': the identity has {string.Join(", ", IdentityFields)}; use {{claim.NAME}} for other claims");
            return null;
        }

        return inputs.Add(ValueSource.Identity, key, null, $"identity {key}");
    }

    private ValueReference? BindBody(Placeholder placeholder, Action<string> error)
    {
        var path = ParsePath(placeholder, error);
        return path is null
            ? null
            : inputs.Add(ValueSource.Body, "", path, path.IsWhole ? "the request body" : $"body field '{path.Text}'");
    }

    private ValueReference? BindPart(Placeholder placeholder, Action<string> error)
    {
        var source = placeholder.Source;
        if (!partNames.TryGetValue(source, out var partIndex))
        {
            error($"'{placeholder.Text}': unknown part '{source}' (placeholders start with route, query, header, identity, claim, body or a part name)");
            return null;
        }

        if (partIndex == self)
        {
            error($"'{placeholder.Text}': a part cannot read its own answer");
            return null;
        }

        var path = ParsePath(placeholder, error);
        if (path is null)
        {
            return null;
        }

        _dependencies.Add(partIndex);
        return new ValueReference
        {
            Source = ValueSource.Part,
            PartIndex = partIndex,
            Path = path,
            Description = path.IsWhole ? $"the answer of part '{source}'" : $"field '{path.Text}' of part '{source}'",
        };
    }

    private static bool NeedsKey(Placeholder placeholder, string what, Action<string> error)
    {
        if (!placeholder.HasRest || placeholder.IsPointer || placeholder.Rest.Length == 0)
        {
            error($"'{placeholder.Text}' needs {what}, as in '{{{placeholder.Source}.name}}'");
            return false;
        }

        return true;
    }

    private bool NeedsIdentity(Placeholder placeholder, Action<string> error)
    {
        if (route.Auth == AnonymousPolicy)
        {
            error($"'{placeholder.Text}' reads the caller's identity, but the route is anonymous: there is none");
            return false;
        }

        return true;
    }

    /// <summary>A dotted path (<c>{x.a.b}</c>), an RFC 6901 pointer (<c>{x/a/b}</c>) or the whole document (<c>{x}</c>).</summary>
    private static JsonPathSelector? ParsePath(Placeholder placeholder, Action<string> error)
    {
        string? pathError;
        var path = !placeholder.HasRest
            ? JsonPathSelector.ParsePointer("", out pathError)
            : placeholder.IsPointer
                ? JsonPathSelector.ParsePointer("/" + placeholder.Rest, out pathError)
                : JsonPathSelector.ParseDotted(placeholder.Rest, out pathError);
        if (path is null)
        {
            error($"'{placeholder.Text}': {pathError}");
        }

        return path;
    }
}
