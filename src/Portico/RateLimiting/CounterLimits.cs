namespace Portico.RateLimiting;

/// <summary>
/// The numbers a counter enforces, in ticks and tokens: a GCRA / token bucket (one token every
/// <see cref="Interval"/>, at most <see cref="Burst"/> at once) and a limit per quota period
/// (<see cref="NoQuota"/> when the policy has none for that period).
/// </summary>
internal readonly struct CounterLimits
{
    /// <summary>The quota limit of a period the policy does not limit.</summary>
    public const long NoQuota = -1;

    private readonly PerPeriod<long> _quotas;

    public CounterLimits(long interval, long burst, PerPeriod<long> quotas)
    {
        Interval = interval;
        Burst = burst;
        _quotas = quotas;
    }

    /// <summary>Limits with no rate and no quota (a concurrency-only policy).</summary>
    public static CounterLimits None
    {
        get
        {
            var quotas = default(PerPeriod<long>);
            for (int p = 0; p < QuotaWindow.PeriodCount; p++)
            {
                quotas[p] = NoQuota;
            }

            return new CounterLimits(0, 0, quotas);
        }
    }

    /// <summary>Ticks between two tokens; 0 when the policy has no rate.</summary>
    public long Interval { get; }

    /// <summary>Bucket capacity in tokens.</summary>
    public long Burst { get; }

    /// <summary>GCRA's tolerance: how far the theoretical arrival time may run ahead of now.</summary>
    public long Tolerance => Interval * Burst;

    public bool HasRate => Interval > 0;

    /// <summary>The limit of <paramref name="period"/>; <see cref="NoQuota"/> when the policy has no quota for it.</summary>
    public long Quota(QuotaPeriod period) => _quotas[(int)period];

    public bool HasQuota(QuotaPeriod period) => _quotas[(int)period] != NoQuota;

    public bool HasQuotas => HasQuota(QuotaPeriod.Hour) || HasQuota(QuotaPeriod.Day) || HasQuota(QuotaPeriod.Month);

    /// <summary>A copy with a different quota for <paramref name="period"/>.</summary>
    public CounterLimits WithQuota(QuotaPeriod period, long limit)
    {
        var quotas = _quotas;
        quotas[(int)period] = limit;
        return new CounterLimits(Interval, Burst, quotas);
    }

    /// <summary>
    /// These limits divided among <paramref name="instances"/> instances, for local limiting while shared
    /// storage is unreachable: the rate and burst are split evenly (at least one token of burst), and what is
    /// left of each quota as last seen in storage (<paramref name="lastKnown"/>) is split the same way.
    /// </summary>
    public CounterLimits Share(int instances, in PerPeriod<QuotaCount> lastKnown, long nowTicks)
    {
        instances = Math.Max(1, instances);
        var quotas = _quotas;
        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            var limit = _quotas[p];
            if (limit == NoQuota)
            {
                continue;
            }

            var used = lastKnown[p].In(QuotaWindow.Start((QuotaPeriod)p, nowTicks));
            var left = Math.Max(0, limit - used);
            quotas[p] = (left + instances - 1) / instances;
        }

        var burst = HasRate ? Math.Max(1, Burst / instances) : 0;
        return new CounterLimits(Interval * instances, burst, quotas);
    }
}
