using System.Diagnostics;
using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.GraphQL;

/// <summary>
/// Instruments of GraphQL routes, on the <c>Portico</c> meter: plan-cache lookups (hit or miss) and subgraph fetches
/// (by subgraph and outcome), from which the benchmark reads the hit ratio and the calls per operation.
/// </summary>
internal sealed class GraphQLMetrics(PorticoMetrics metrics)
{
    public Counter<long> PlanLookups { get; } = metrics.Meter.CreateCounter<long>(
        "portico.graphql.plan.lookups", "{lookup}", "Query-plan cache lookups, tagged portico.graphql.plan_cache (hit or miss).");

    public Counter<long> Fetches { get; } = metrics.Meter.CreateCounter<long>(
        "portico.graphql.fetches", "{call}", "Calls to subgraphs, tagged with route, subgraph and outcome (ok or failed).");

    public void RecordLookup(string routeId, bool hit) =>
        PlanLookups.Add(1, new TagList { { "portico.route", routeId }, { "portico.graphql.plan_cache", hit ? "hit" : "miss" } });

    public void RecordFetch(string routeId, string subgraph, bool ok) =>
        Fetches.Add(1, new TagList { { "portico.route", routeId }, { "portico.graphql.subgraph", subgraph }, { "portico.graphql.fetch.outcome", ok ? "ok" : "failed" } });
}
