using BenchmarkDotNet.Attributes;
using Portico.Auth;

namespace Portico.Bench.Pipeline;

/// <summary>
/// The authentication caches on a request's path (<see cref="BoundedCache{TKey,TValue}"/>, a size-bounded
/// <c>MemoryCache</c>): a hit, the steady state of a client re-sending its token or key, and a miss followed by a
/// store into a full cache, what a flood of new keys costs. Keys as the gateway uses them: a JWT's text (the
/// verified-token cache), a 12-character API key id, and the 128-bit token hash of introspection.
/// </summary>
[MemoryDiagnoser]
public class AuthCacheBenchmarks
{
    private const int Entries = 1_000;
    private const int Bound = 100_000;

    private readonly TimeProvider _time = TimeProvider.System;
    private readonly object _value = new();
    private string[] _tokens = [];
    private string[] _keyIds = [];
    private UInt128[] _hashes = [];
    private BoundedCache<string, object> _tokenCache = null!;
    private BoundedCache<string, object> _keyIdCache = null!;
    private BoundedCache<UInt128, object> _hashCache = null!;
    private BoundedCache<UInt128, object> _floodCache = null!;
    private int _next;
    private ulong _flood;

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
        _tokenCache = new(_time, Bound);
        _keyIdCache = new(_time, Bound);
        _hashCache = new(_time, Bound);
        _floodCache = new(_time, Bound);
        var expires = _time.GetUtcNow().AddHours(1);
        for (int i = 0; i < Entries; i++)
        {
            _tokenCache.Set(_tokens[i], _value, expires);
            _keyIdCache.Set(_keyIds[i], _value, expires);
            _hashCache.Set(_hashes[i], _value, expires);
        }

        for (ulong i = 0; i < Bound; i++)
        {
            _floodCache.Set(new UInt128(1, i), _value, expires);
        }
    }

    [Benchmark(Baseline = true, Description = "hit, JWT text")]
    public bool TokenHit() => _tokenCache.TryGet(_tokens[Next()], out _);

    [Benchmark(Description = "hit, API key id")]
    public bool KeyIdHit() => _keyIdCache.TryGet(_keyIds[Next()], out _);

    [Benchmark(Description = "hit, 128-bit hash")]
    public bool HashHit() => _hashCache.TryGet(_hashes[Next()], out _);

    [Benchmark(Description = "miss and store, full cache of 100,000")]
    public bool FloodMiss()
    {
        var key = new UInt128(0, _flood++);
        if (_floodCache.TryGet(key, out _))
        {
            return true;
        }

        _floodCache.Set(key, _value, _time.GetUtcNow().AddMinutes(5));
        return false;
    }

    private int Next() => _next = (_next + 1) % Entries;
}
