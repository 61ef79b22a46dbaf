namespace Portico.Resilience.Retries;

/// <summary>
/// Bounds a backend's retries so they never multiply an outage (the idea of Finagle's and Linkerd's retry
/// budgets): every request deposits <c>ratio</c> of a retry and every retry withdraws one, so over any run of N
/// requests at most <c>ratio × N</c> retries come from deposits. Savings are capped at what 100 requests earn, so a
/// long healthy spell cannot fund a burst. A small allowance of <c>minRetriesPerSecond</c>, refilled over time and
/// holding at most one second's worth (and at least one retry), lets a quiet backend retry a lone failure.
/// </summary>
internal sealed class RetryBudget
{
    private const long Scale = 1000; // balances in thousandths of a retry, so deposits are integer adds

    private readonly long _deposit;
    private readonly long _cap;
    private readonly double _perSecond;
    private readonly double _allowanceCap;
    private readonly TimeProvider _time;
    private readonly Lock _allowanceLock = new();
    private long _balance;
    private double _allowance;
    private long _allowanceStamp;

    public RetryBudget(double ratio, double minRetriesPerSecond, TimeProvider time)
    {
        _deposit = (long)Math.Round(ratio * Scale);
        _cap = Math.Max(Scale, _deposit * 100);
        _perSecond = minRetriesPerSecond;
        _time = time;
        _allowanceCap = minRetriesPerSecond > 0 ? Math.Max(1, minRetriesPerSecond) : 0;
        _allowance = _allowanceCap;
        _allowanceStamp = time.GetTimestamp();
    }

    /// <summary>Retries currently available from deposits (for tests and diagnostics).</summary>
    public double Balance => (double)Interlocked.Read(ref _balance) / Scale;

    /// <summary>Called once per request (not per attempt).</summary>
    public void Deposit()
    {
        if (_deposit == 0)
        {
            return;
        }

        long current = Volatile.Read(ref _balance);
        while (current < _cap)
        {
            var next = Math.Min(current + _deposit, _cap);
            var seen = Interlocked.CompareExchange(ref _balance, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Takes one retry if the budget has it.</summary>
    public bool TryWithdraw()
    {
        long current = Volatile.Read(ref _balance);
        while (current >= Scale)
        {
            var seen = Interlocked.CompareExchange(ref _balance, current - Scale, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        if (_perSecond <= 0)
        {
            return false;
        }

        lock (_allowanceLock)
        {
            var now = _time.GetTimestamp();
            _allowance = Math.Min(_allowanceCap, _allowance + (_time.GetElapsedTime(_allowanceStamp, now).TotalSeconds * _perSecond));
            _allowanceStamp = now;
            if (_allowance >= 1)
            {
                _allowance -= 1;
                return true;
            }

            return false;
        }
    }
}
