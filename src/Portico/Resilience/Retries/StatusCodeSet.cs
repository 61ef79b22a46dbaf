namespace Portico.Resilience.Retries;

/// <summary>A set of HTTP status codes (100 to 599) checked with one bit test, built once per snapshot.</summary>
internal sealed class StatusCodeSet
{
    private readonly ulong[] _bits = new ulong[10];

    public StatusCodeSet(IEnumerable<int> codes)
    {
        foreach (var code in codes)
        {
            if ((uint)code < 640)
            {
                _bits[code >> 6] |= 1UL << (code & 63);
            }
        }
    }

    public bool Contains(int status) => (uint)status < 640 && (_bits[status >> 6] & (1UL << (status & 63))) != 0;
}
