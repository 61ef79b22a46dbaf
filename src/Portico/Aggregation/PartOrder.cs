using Portico.Configuration;

namespace Portico.Aggregation;

/// <summary>
/// The order a composite route's parts start in: Kahn's topological order of the dependencies their placeholders
/// create (docs/aggregation.md, "How a request runs"), computed once per snapshot. Parts that read each other in a
/// cycle have no order: the cycle is reported with the parts on it.
/// </summary>
internal static class PartOrder
{
    /// <summary>The parts' indexes in an order where each comes after the parts it reads; null after reporting a cycle.</summary>
    public static int[]? Compute(AggregatePart[] parts, IReadOnlyList<AggregatePartDefinition> definitions, Action<string, string> error)
    {
        var pending = parts.Select(p => p.Dependencies.Length).ToArray();
        var dependents = parts.Select(_ => new List<int>()).ToArray();
        foreach (var part in parts)
        {
            foreach (var dependency in part.Dependencies)
            {
                dependents[dependency].Add(part.Index);
            }
        }

        var order = new List<int>(parts.Length);
        var ready = new Queue<int>(parts.Where(p => p.Dependencies.Length == 0).Select(p => p.Index));
        while (ready.TryDequeue(out var next))
        {
            order.Add(next);
            foreach (var dependent in dependents[next])
            {
                if (--pending[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }

        if (order.Count == parts.Length)
        {
            return [.. order];
        }

        ReportCycle(parts, definitions, pending, error);
        return null;
    }

    /// <summary>Every part left waits on another part left: walks dependencies from the first until one repeats.</summary>
    private static void ReportCycle(AggregatePart[] parts, IReadOnlyList<AggregatePartDefinition> definitions, int[] pending, Action<string, string> error)
    {
        var start = Array.FindIndex(pending, p => p > 0);
        var path = new List<int>();
        var current = start;
        while (!path.Contains(current))
        {
            path.Add(current);
            current = parts[current].Dependencies.First(d => pending[d] > 0);
        }

        var cycle = path.Skip(path.IndexOf(current)).Append(current).Select(i => $"'{definitions[i].Name}'");
        error($"aggregate.parts[{current}]", $"part '{definitions[current].Name}': the parts depend on each other in a cycle: {string.Join(" → ", cycle)}");
    }
}
