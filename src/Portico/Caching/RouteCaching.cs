namespace Portico.Caching;

/// <summary>What a route's compiled snapshot says about response caching: its own policy and where its writes invalidate.</summary>
/// <param name="Cache">The route's response cache policy; null when the route does not cache.</param>
/// <param name="Invalidation">Where an unsafe request through the route invalidates stored responses; null when no route caches.</param>
internal readonly record struct RouteCaching(CachePolicy? Cache, CacheInvalidation? Invalidation);
