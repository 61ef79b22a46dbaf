namespace Portico.Discovery;

/// <summary>
/// A stable 64-bit hash of an affinity key: FNV-1a over the characters, finished with SplitMix64's mixer so nearby
/// keys spread over the ring. Stable across processes (unlike <see cref="string.GetHashCode()"/>), so every gateway
/// instance sends a key to the same destination.
/// </summary>
internal static class AffinityHash
{
    public static ulong Of(ReadOnlySpan<char> key)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return Mix(hash);
    }

    /// <summary>SplitMix64's finalizer.</summary>
    public static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
