using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Caching;

/// <summary>The response cache's instruments, on Portico's meter (docs/caching.md lists them).</summary>
internal sealed class CacheMetrics
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _stores;
    private readonly Counter<long> _notStored;
    private readonly Counter<long> _evictions;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _purges;
    private readonly Counter<long> _sharedOperations;

    private readonly Meter _meter;

    public CacheMetrics(PorticoMetrics metrics)
    {
        var meter = _meter = metrics.Meter;
        _requests = meter.CreateCounter<long>("portico.cache.requests", "{request}", "Requests on caching routes by outcome (hit, stale, stale-if-error, coalesced, revalidated, miss, bypass).");
        _stores = meter.CreateCounter<long>("portico.cache.stores", "{response}", "Responses stored in the in-process cache.");
        _notStored = meter.CreateCounter<long>("portico.cache.not_stored", "{response}", "Responses not stored, by reason (no-store, private, authorization, set-cookie, vary, too-large, …).");
        _evictions = meter.CreateCounter<long>("portico.cache.evictions", "{entry}", "Entries evicted to stay within the memory budget.");
        _invalidations = meter.CreateCounter<long>("portico.cache.invalidations", "{entry}", "Entries removed by unsafe requests (RFC 9111 §4.4) and purges, by cause.");
        _purges = meter.CreateCounter<long>("portico.cache.purges", "{purge}", "Purges applied on this instance, by kind (url, prefix, key) and source (api, shared).");
        _sharedOperations = meter.CreateCounter<long>("portico.cache.shared.operations", "{operation}", "Operations on the shared Blob store (L2) by operation and outcome.");
    }

    /// <summary>Publishes the size of <paramref name="cache"/> (bytes and entries) as gauges.</summary>
    public void Observe(ResponseCache cache)
    {
        _meter.CreateObservableGauge("portico.cache.stored.bytes", () => cache.Bytes, "By", "Bytes held by the in-process cache.");
        _meter.CreateObservableGauge("portico.cache.entries", () => cache.Count, "{entry}", "Entries held by the in-process cache.");
    }

    public void Request(string routeId, string outcome) =>
        _requests.Add(1, new KeyValuePair<string, object?>("portico.route", routeId), new KeyValuePair<string, object?>("outcome", outcome));

    public void Stored() => _stores.Add(1);

    public void NotStored(string reason) => _notStored.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Evicted(long count) => _evictions.Add(count);

    public void Invalidated(int count, string cause)
    {
        if (count > 0)
        {
            _invalidations.Add(count, new KeyValuePair<string, object?>("cause", cause));
        }
    }

    public void Purged(string kind, string source) =>
        _purges.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("source", source));

    public void Shared(string operation, string outcome) =>
        _sharedOperations.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
}
