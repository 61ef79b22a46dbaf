using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Proxy;
using Portico.Registry;

namespace Portico.Aggregation;

/// <summary>
/// Validates a composite route and compiles it into an <see cref="AggregateDispatcher"/>, following the route's
/// <c>aggregate</c> fields (docs/configuration.md): <c>parts</c> (their count and names here, each part by
/// <see cref="AggregatePartCompiler"/>), <c>timeout</c>, <c>maxConcurrency</c> and <c>maxResponseSize</c>; then what
/// only the parts together decide: distinct members, an order without cycles (<see cref="PartOrder"/>) and no
/// required part reading an optional one. Errors name the route and part. Runs once per snapshot, never per request.
/// </summary>
internal sealed partial class AggregateCompiler(AggregateRuntime runtime, IOptions<PorticoOptions> options)
{
    private static readonly string[] ReservedNames = ["route", "query", "header", "identity", "claim", "body"];

    private readonly string _identityPrefix = options.Value.IdentityHeaderPrefix;

    /// <summary>
    /// Compiles <paramref name="definition"/>, the target of <paramref name="route"/>; null after reporting every
    /// problem to <paramref name="error"/> (field, message).
    /// </summary>
    public AggregateDispatcher? Compile(
        RouteDefinition route,
        AggregateDefinition definition,
        RoutePattern? pattern,
        IReadOnlyDictionary<string, CompiledBackend> backends,
        Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field, message);
        }

        var parts = definition.Parts;
        if (!CheckPartCount(parts.Count, Error))
        {
            return null;
        }

        var timeout = CompileTimeout(definition.Timeout, Error);
        var maxConcurrency = definition.MaxConcurrency ?? AggregateLimits.DefaultMaxConcurrency;
        if (maxConcurrency is < 1 or > AggregateLimits.MaxConcurrency)
        {
            Error("aggregate.maxConcurrency", $"must be between 1 and {AggregateLimits.MaxConcurrency}");
        }

        var maxResponseSize = definition.MaxResponseSize ?? AggregateLimits.DefaultMaxResponseSize;
        AggregateLimits.CheckResponseSize("aggregate.maxResponseSize", maxResponseSize, Error);

        // Names first, so that any part may refer to any other regardless of order.
        var names = IndexPartNames(parts, Error);
        var inputs = new RequestInputs();
        var partCompiler = new AggregatePartCompiler(route, pattern, names, inputs, timeout, backends, _identityPrefix);
        var compiled = new AggregatePart?[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            compiled[i] = partCompiler.Compile(parts[i], i, Error);
        }

        CheckMembers(parts, Error);
        if (failed)
        {
            return null;
        }

        var ready = compiled.Select(p => p!).ToArray();
        var order = PartOrder.Compute(ready, parts, Error);
        CheckRequiredDependencies(ready, Error);
        if (failed || order is null)
        {
            return null;
        }

        return new AggregateDispatcher(
            route.Id, ready, order, timeout, maxConcurrency, maxResponseSize, inputs,
            readsClientBody: inputs.ReadsBody || ready.Any(p => p.ForwardBody), runtime);
    }

    /// <summary><c>parts</c>: 1 to 32, each a backend call made for one client request.</summary>
    private static bool CheckPartCount(int count, Action<string, string> error)
    {
        if (count == 0)
        {
            error("aggregate.parts", "a composite route needs at least one part");
            return false;
        }

        if (count > AggregateLimits.MaxParts)
        {
            error("aggregate.parts", $"at most {AggregateLimits.MaxParts} parts: each is a backend call made for one client request");
            return false;
        }

        return true;
    }

    /// <summary><c>timeout</c>: the deadline of the whole fan-out, 30 s by default, at most 225 s.</summary>
    private static TimeSpan CompileTimeout(string? text, Action<string, string> error)
    {
        var timeout = AggregateLimits.DefaultTimeout;
        if (text is null)
        {
            return timeout;
        }

        if (!Duration.TryParse(text, out timeout) || timeout <= TimeSpan.Zero)
        {
            error("aggregate.timeout", $"'{text}' is not a positive duration such as '2s' or '500ms'");
        }
        else if (timeout > RegistryCompiler.MaxActivityTimeout)
        {
            error("aggregate.timeout", $"at most {Duration.Format(RegistryCompiler.MaxActivityTimeout)}: the Functions host ends every response at 230s");
        }

        return timeout;
    }

    /// <summary>Each part's <c>name</c>: well formed, not a placeholder source, unique in the route; name to index.</summary>
    private static Dictionary<string, int> IndexPartNames(IReadOnlyList<AggregatePartDefinition> parts, Action<string, string> error)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Count; i++)
        {
            var name = parts[i].Name;
            if (!PartName().IsMatch(name))
            {
                error($"aggregate.parts[{i}].name", $"'{name}' is not a part name: 1 to 64 letters, digits, '_' or '-', starting with a letter or '_'");
            }
            else if (ReservedNames.Contains(name, StringComparer.Ordinal))
            {
                error($"aggregate.parts[{i}].name", $"'{name}' is reserved for placeholders ({{{name}.…}}); choose another part name");
            }
            else if (!names.TryAdd(name, i))
            {
                error($"aggregate.parts[{i}].name", $"duplicate part name '{name}': aggregate.parts[{names[name]}] has it already");
            }
        }

        return names;
    }

    /// <summary>Each part's <c>member</c> (its name by default): not the partial-answer marker, written by one part only.</summary>
    private static void CheckMembers(IReadOnlyList<AggregatePartDefinition> parts, Action<string, string> error)
    {
        var members = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Count; i++)
        {
            if (parts[i].Merge == "root")
            {
                continue;
            }

            var member = parts[i].Member ?? parts[i].Name;
            var field = parts[i].Member is null ? "name" : "member";
            if (member == AggregateJson.MarkerMember)
            {
                error($"aggregate.parts[{i}].{field}", $"part '{parts[i].Name}': '{AggregateJson.MarkerMember}' is reserved for the partial-answer marker");
            }
            else if (!members.TryAdd(member, i))
            {
                error($"aggregate.parts[{i}].{field}", $"part '{parts[i].Name}': member '{member}' is already written by part '{parts[members[member]].Name}'");
            }
        }
    }

    /// <summary>A required part may not read an optional one: the optional part's failure would fail it.</summary>
    private static void CheckRequiredDependencies(AggregatePart[] parts, Action<string, string> error)
    {
        foreach (var part in parts.Where(p => !p.Optional))
        {
            foreach (var dependency in part.Dependencies.Where(d => parts[d].Optional))
            {
                error(
                    $"aggregate.parts[{part.Index}]",
                    $"part '{part.Name}' is required but reads optional part '{parts[dependency].Name}', which may fail: make '{part.Name}' optional or '{parts[dependency].Name}' required");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex PartName();
}
