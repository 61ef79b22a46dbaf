using Microsoft.Extensions.Time.Testing;
using Portico.Resilience.Timeouts;
using Portico.Resilience;

namespace Portico.Tests.Resilience;

/// <summary>The reused cancellation sources behind route and attempt timeouts.</summary>
public sealed class TimeoutSourcesTests
{
    [Fact]
    public async Task Rent_SystemClock_CancelsAfterTheTimeout()
    {
        var sources = new TimeoutSources(TimeProvider.System);
        var source = sources.Rent(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(TimeSpan.FromSeconds(20), source.Token));
        sources.Return(source);
    }

    [Fact]
    public void Return_ThenRentAgain_TheEarlierRequestsRegistrationsAreNeverCalled()
    {
        var sources = new TimeoutSources(TimeProvider.System);
        var first = sources.Rent(TimeSpan.FromMinutes(1));
        var calledLate = false;
        first.Token.Register(() => calledLate = true); // left behind, as an HTTP/2 stream may leave one
        sources.Return(first);

        // Whichever source the next request gets, cancelling it must not reach the first request's registration.
        var second = sources.Rent(TimeSpan.FromMinutes(1));
        second.Cancel();

        Assert.True(second.IsCancellationRequested);
        Assert.False(calledLate);
        sources.Return(second); // a cancelled source is disposed rather than reused
        var third = sources.Rent(TimeSpan.FromMinutes(1));
        Assert.False(third.IsCancellationRequested);
        sources.Return(third);
    }

    [Fact]
    public void Rent_OtherClock_FollowsThatClock()
    {
        var time = new FakeTimeProvider();
        var sources = new TimeoutSources(time);
        var source = sources.Rent(TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(source.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(source.IsCancellationRequested);
        sources.Return(source);
    }

    [Fact]
    public void Link_CallerCancels_TheTimeoutSourceIsCancelled()
    {
        var sources = new TimeoutSources(TimeProvider.System);
        using var caller = new CancellationTokenSource();
        var source = sources.Rent(TimeSpan.FromMinutes(1));
        var link = TimeoutSources.Link(caller.Token, source);

        caller.Cancel();

        Assert.True(source.IsCancellationRequested);
        link.Dispose();
        sources.Return(source);
    }
}
