using Microsoft.Extensions.Time.Testing;
using Portico.Resilience.Retries;
using Portico.Resilience;

namespace Portico.Tests.Resilience;

/// <summary>The retry budget: retries funded by requests, capped savings, a small allowance over time.</summary>
public sealed class RetryBudgetTests
{
    [Fact]
    public void TryWithdraw_RatioOnly_AllowsAtMostRatioTimesRequests()
    {
        var budget = new RetryBudget(ratio: 0.2, minRetriesPerSecond: 0, new FakeTimeProvider());
        int retries = 0;
        for (int i = 0; i < 1000; i++)
        {
            budget.Deposit();
            // Every request fails and asks for as many retries as it can get.
            while (budget.TryWithdraw())
            {
                retries++;
            }
        }

        Assert.Equal(200, retries);
    }

    [Fact]
    public void TryWithdraw_FreshBudgetWithoutAllowance_RefusesUntilFiveRequestsPaid()
    {
        var budget = new RetryBudget(0.2, 0, new FakeTimeProvider());
        for (int i = 0; i < 4; i++)
        {
            budget.Deposit();
            Assert.False(budget.TryWithdraw());
        }

        budget.Deposit();
        Assert.True(budget.TryWithdraw());
        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public void Deposit_LongHealthySpell_SavingsCappedAtWhatHundredRequestsEarn()
    {
        var budget = new RetryBudget(0.2, 0, new FakeTimeProvider());
        for (int i = 0; i < 10_000; i++)
        {
            budget.Deposit();
        }

        Assert.Equal(20, budget.Balance, precision: 3);
    }

    [Fact]
    public void TryWithdraw_QuietBackend_AllowanceRefillsOverTimeOnlyUpToOneSecondsWorth()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(0.2, minRetriesPerSecond: 2, time);

        // Full at start: a cold instance may retry a lone failure.
        Assert.True(budget.TryWithdraw());
        Assert.True(budget.TryWithdraw());
        Assert.False(budget.TryWithdraw());

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(budget.TryWithdraw());
        Assert.False(budget.TryWithdraw());

        time.Advance(TimeSpan.FromMinutes(10)); // idle for long: still at most one second's worth
        Assert.True(budget.TryWithdraw());
        Assert.True(budget.TryWithdraw());
        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public void TryWithdraw_ZeroRatioAndAllowance_NeverRetries()
    {
        var budget = new RetryBudget(0, 0, new FakeTimeProvider());
        for (int i = 0; i < 100; i++)
        {
            budget.Deposit();
        }

        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public async Task TryWithdraw_ConcurrentRequests_NeverOverspends()
    {
        var budget = new RetryBudget(0.25, 0, new FakeTimeProvider());
        int retries = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                budget.Deposit();
                if (budget.TryWithdraw())
                {
                    Interlocked.Increment(ref retries);
                }
            }
        })));

        Assert.InRange(retries, 1, 10_000);
        Assert.True(retries + budget.Balance <= 10_000.001, $"{retries} retries + {budget.Balance} saved exceed what 40000 requests earn");
    }
}
