namespace Portico.RateLimiting;

/// <summary>Identifies one counter in an instance's memory: policy, key and store (a policy that changes store starts afresh).</summary>
internal readonly record struct CounterKey(string PolicyId, string Key, CounterStoreKind Store);
