using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells a test which timers the code under test set, and how. A wait the
/// gateway starts (a retry's backoff, a timeout) becomes an event the test can await before it moves the clock, so no
/// test has to guess how long is long enough, and a due time is a fact the test can check.
/// </summary>
/// <remarks>
/// Timeouts (<c>new CancellationTokenSource(delay, time)</c>), waits (<c>Task.Delay(delay, time)</c>, Polly's
/// backoff) and periodic timers all set their timer through <see cref="CreateTimer"/>. Starts at the system's current
/// time, so tokens, certificates and times written to storage are plausible.
/// </remarks>
public sealed class TestClock : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<SetTimer> _set = [];
    private int _cursor;
    private (Func<SetTimer, bool> Match, TaskCompletionSource<SetTimer> Found)? _waiter;

    public TestClock()
        : base(TimeProvider.System.GetUtcNow())
    {
    }

    /// <summary>Every timer set so far, in the order they were set.</summary>
    public IReadOnlyList<SetTimer> TimersSet
    {
        get
        {
            lock (_lock)
            {
                return [.. _set];
            }
        }
    }

    /// <summary>Service set-up that makes a gateway read time from this clock (pass as <c>services:</c>).</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<TimeProvider>(this);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        var set = new SetTimer(dueTime, period, state is CancellationTokenSource);
        TaskCompletionSource<SetTimer>? found = null;
        lock (_lock)
        {
            _set.Add(set);
            if (_waiter is { } waiter && waiter.Match(set))
            {
                _cursor = _set.Count;
                _waiter = null;
                found = waiter.Found;
            }
        }

        found?.TrySetResult(set);
        return timer;
    }

    /// <summary>Makes <see cref="NextTimerAsync"/> count only timers set from now on.</summary>
    public void SkipTimersSet()
    {
        lock (_lock)
        {
            _cursor = _set.Count;
        }
    }

    /// <summary>
    /// The next timer set that <paramref name="match"/> accepts, counting on from the last one this method returned
    /// or from <see cref="SkipTimersSet"/> (timers already set count too). One caller at a time.
    /// </summary>
    public Task<SetTimer> NextTimerAsync(Func<SetTimer, bool> match)
    {
        lock (_lock)
        {
            for (int i = _cursor; i < _set.Count; i++)
            {
                if (match(_set[i]))
                {
                    _cursor = i + 1;
                    return Task.FromResult(_set[i]);
                }
            }

            var found = new TaskCompletionSource<SetTimer>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (match, found);
            return found.Task;
        }
    }

    /// <summary>
    /// Plays out <paramref name="request"/>'s waits: each time a timer <paramref name="isWait"/> accepts is set, moves
    /// the clock to it, until the request completes (at most a minute). Returns the waits it played, in order.
    /// </summary>
    public async Task<(T Result, IReadOnlyList<TimeSpan> Waits)> PlayAsync<T>(Task<T> request, Func<SetTimer, bool> isWait)
    {
        var waits = new List<TimeSpan>();
        var next = NextTimerAsync(isWait);
        while (await Task.WhenAny(request, next).WaitAsync(TimeSpan.FromMinutes(1)) != request)
        {
            var wait = (await next).Due;
            waits.Add(wait);
            Advance(wait);
            next = NextTimerAsync(isWait);
        }

        return (await request, waits);
    }

    /// <summary>A timer the code under test set.</summary>
    /// <param name="Due">When it first fires, from when it was set.</param>
    /// <param name="Period">Its period (<see cref="Timeout.InfiniteTimeSpan"/> for a one-off).</param>
    /// <param name="IsTimeout">Whether it is a cancellation source's timeout.</param>
    public readonly record struct SetTimer(TimeSpan Due, TimeSpan Period, bool IsTimeout)
    {
        public bool IsPeriodic => Period != Timeout.InfiniteTimeSpan && Period != TimeSpan.Zero;

        /// <summary>A one-off wait, neither periodic nor a timeout: <c>Task.Delay</c>, a retry's backoff.</summary>
        public bool IsWait => !IsPeriodic && !IsTimeout;
    }
}
