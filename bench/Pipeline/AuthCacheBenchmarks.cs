using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;
using Microsoft.Extensions.Options;
using Portico.Auth;

namespace Portico.Bench.Pipeline;

/// <summary>
/// The authentication caches on a request's path: a hit (the steady state: a client re-sending its token or key)
/// and a miss followed by a store (a flood of new keys), with <see cref="ExpiringCache{TKey,TValue}"/> and with
/// <see cref="MemoryCache"/> given the same size bound and the same clock. Keys as the gateway uses them: a JWT's
/// text (the verified-token cache), a 12-character API key id, and the 128-bit token hash of introspection.
/// </summary>
[MemoryDiagnoser]
public class AuthCacheBenchmarks
{
    private const int Entries = 1_000;
    private const int Bound = 100_000;

    private readonly TimeProvider _time = TimeProvider.System;
    private string[] _tokens = [];
    private string[] _keyIds = [];
    private UInt128[] _hashes = [];
    private ExpiringCache<string, object> _expiringTokens = null!;
    private ExpiringCache<string, object> _expiringKeyIds = null!;
    private ExpiringCache<UInt128, object> _expiringHashes = null!;
    private MemoryCache _memoryTokens = null!;
    private MemoryCache _memoryKeyIds = null!;
    private MemoryCache _memoryHashes = null!;
    private ExpiringCache<UInt128, object> _expiringFlood = null!;
    private MemoryCache _memoryFlood = null!;
    private int _next;
    private long _flood;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        string Text(int length) => string.Create(length, random, (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (char)r.Next('a', 'z' + 1);
            }
        });

        _tokens = [.. Enumerable.Range(0, Entries).Select(_ => Text(700))];
        _keyIds = [.. Enumerable.Range(0, Entries).Select(_ => Text(12))];
        _hashes = [.. Enumerable.Range(0, Entries).Select(_ => new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()))];
        _expiringTokens = new(_time, Bound);
        _expiringKeyIds = new(_time, Bound);
        _expiringHashes = new(_time, Bound);
        _expiringFlood = new(_time, Bound);
        _memoryTokens = NewMemoryCache();
        _memoryKeyIds = NewMemoryCache();
        _memoryHashes = NewMemoryCache();
        _memoryFlood = NewMemoryCache();
        var value = new object();
        var expires = _time.GetUtcNow().AddHours(1);
        for (int i = 0; i < Entries; i++)
        {
            _expiringTokens.Set(_tokens[i], value, expires);
            _expiringKeyIds.Set(_keyIds[i], value, expires);
            _expiringHashes.Set(_hashes[i], value, expires);
            _memoryTokens.Set(_tokens[i], value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
            _memoryKeyIds.Set(_keyIds[i], value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
            _memoryHashes.Set(_hashes[i], value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memoryTokens.Dispose();
        _memoryKeyIds.Dispose();
        _memoryHashes.Dispose();
        _memoryFlood.Dispose();
    }

    [Benchmark(Baseline = true, Description = "hit, JWT text: ExpiringCache")]
    public bool TokenHitExpiring() => _expiringTokens.TryGet(_tokens[Next()], out _);

    [Benchmark(Description = "hit, JWT text: MemoryCache")]
    public bool TokenHitMemory() => _memoryTokens.TryGetValue(_tokens[Next()], out _);

    [Benchmark(Description = "hit, API key id: ExpiringCache")]
    public bool KeyIdHitExpiring() => _expiringKeyIds.TryGet(_keyIds[Next()], out _);

    [Benchmark(Description = "hit, API key id: MemoryCache")]
    public bool KeyIdHitMemory() => _memoryKeyIds.TryGetValue(_keyIds[Next()], out _);

    [Benchmark(Description = "hit, 128-bit hash: ExpiringCache")]
    public bool HashHitExpiring() => _expiringHashes.TryGet(_hashes[Next()], out _);

    [Benchmark(Description = "hit, 128-bit hash: MemoryCache")]
    public bool HashHitMemory() => _memoryHashes.TryGetValue(_hashes[Next()], out _);

    [Benchmark(Description = "miss and store, new 128-bit hash: ExpiringCache")]
    public bool FloodExpiring()
    {
        var key = new UInt128(0, (ulong)_flood++);
        if (_expiringFlood.TryGet(key, out _))
        {
            return true;
        }

        _expiringFlood.Set(key, this, _time.GetUtcNow().AddMinutes(5));
        return false;
    }

    [Benchmark(Description = "miss and store, new 128-bit hash: MemoryCache")]
    public bool FloodMemory()
    {
        var key = new UInt128(0, (ulong)_flood++);
        if (_memoryFlood.TryGetValue(key, out _))
        {
            return true;
        }

        _memoryFlood.Set(key, this, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = _time.GetUtcNow().AddMinutes(5) });
        return false;
    }

    private int Next() => _next = (_next + 1) % Entries;

    private MemoryCache NewMemoryCache() =>
        new(Options.Create(new MemoryCacheOptions { SizeLimit = Bound, Clock = new TimeProviderClock(_time) }));

    /// <summary>The gateway's clock as the cache's: what a replacement would need for <c>FakeTimeProvider</c> tests.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
