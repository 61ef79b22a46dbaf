using Microsoft.Extensions.Time.Testing;
using Portico.RateLimiting;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting;

/// <summary>Quotas over calendar windows in UTC, on a fake clock: counts, roll-over at the window edge, reset times.</summary>
public sealed class QuotaWindowTests
{
    [Fact]
    public void Acquire_DailyQuotaUsedUp_DeniedUntilUtcMidnightThenCountsAgain()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 9, 23, 59, 59, 900, TimeSpan.Zero));
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "daily", "quotas": [ { "limit": 3, "period": "day" } ] }""");
        Assert.Equal(3, limiter.TakeMany(policy, 3));

        var denied = limiter.Take(policy);

        Assert.Equal(RateLimitOutcome.QuotaExceeded, denied.Outcome);
        Assert.Equal(QuotaPeriod.Day, denied.ExceededPeriod);
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 0, 0, 0, TimeSpan.Zero).UtcTicks, denied.QuotaResetsAt);
        Assert.Equal(TimeSpan.FromMilliseconds(100).Ticks, denied.RetryAfterTicks);

        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(limiter.Take(policy).IsAllowed);
        time.Advance(TimeSpan.FromMilliseconds(1)); // 00:00:00.000 UTC: a new window
        Assert.Equal(3, limiter.TakeMany(policy, 10));
        Assert.Equal(0, limiter.Take(policy).QuotaRemaining[(int)QuotaPeriod.Day]);
    }

    [Theory]
    [InlineData(2025, 1, 31, 2025, 2, 1)]
    [InlineData(2024, 2, 29, 2024, 3, 1)] // leap year
    [InlineData(2025, 2, 28, 2025, 3, 1)]
    [InlineData(2025, 12, 31, 2026, 1, 1)]
    public void Acquire_MonthlyQuota_RollsOverOnTheFirstOfTheNextMonth(int year, int month, int day, int nextYear, int nextMonth, int nextDay)
    {
        var lastSecond = new DateTimeOffset(year, month, day, 23, 59, 59, TimeSpan.Zero);
        var time = new FakeTimeProvider(lastSecond);
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "monthly", "quotas": [ { "limit": 2, "period": "month" } ] }""");
        Assert.Equal(2, limiter.TakeMany(policy, 5));

        var denied = limiter.Take(policy);
        Assert.Equal(new DateTimeOffset(nextYear, nextMonth, nextDay, 0, 0, 0, TimeSpan.Zero).UtcTicks, denied.QuotaResetsAt);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, limiter.TakeMany(policy, 5));
    }

    [Fact]
    public void Acquire_HourlyAndDailyQuotas_TheTighterWindowDecidesAndTheLaterResetIsReported()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 11, 22, 59, 0, TimeSpan.Zero));
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "q", "quotas": [ { "limit": 2, "period": "hour" }, { "limit": 3, "period": "day" } ] }""");

        Assert.Equal(2, limiter.TakeMany(policy, 5)); // the hour is used up
        var hourDenied = limiter.Take(policy);
        Assert.Equal(QuotaPeriod.Hour, hourDenied.ExceededPeriod);
        Assert.Equal(TimeSpan.FromMinutes(1).Ticks, hourDenied.RetryAfterTicks);

        time.Advance(TimeSpan.FromMinutes(1)); // 23:00: new hour, same day
        Assert.Equal(1, limiter.TakeMany(policy, 5));
        var dayDenied = limiter.Take(policy);
        Assert.Equal(QuotaPeriod.Day, dayDenied.ExceededPeriod);
        Assert.Equal(TimeSpan.FromHours(1).Ticks, dayDenied.RetryAfterTicks);
        Assert.Equal(1, dayDenied.QuotaRemaining[(int)QuotaPeriod.Hour]);
        Assert.Equal(0, dayDenied.QuotaRemaining[(int)QuotaPeriod.Day]);
    }

    [Fact]
    public void Acquire_QuotaDenies_RateTokenIsNotSpent()
    {
        var time = new FakeTimeProvider(Noon);
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 5, "per": "1s" }, "quotas": [ { "limit": 1, "period": "hour" } ] }""");
        Assert.True(limiter.Take(policy).IsAllowed);
        Assert.Equal(RateLimitOutcome.QuotaExceeded, limiter.Take(policy).Outcome);

        var describe = limiter.Take(policy);

        Assert.Equal(4, describe.RateRemaining);
    }

    [Fact]
    public void Acquire_RateAndQuota_RemainingAndResetsReportedForBoth()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 11, 23, 0, 0, TimeSpan.Zero));
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 5, "per": "1s" }, "quotas": [ { "limit": 100, "period": "day" } ] }""");

        var decision = limiter.Take(policy);

        Assert.Equal(4, decision.RateRemaining);
        Assert.Equal(99, decision.QuotaRemaining[(int)QuotaPeriod.Day]);
        Assert.Equal(TimeSpan.FromHours(1).Ticks, decision.QuotaResetTicks[(int)QuotaPeriod.Day]);
    }

    [Fact]
    public void QuotaWindow_Starts_AreUtcCalendarBoundaries()
    {
        var at = new DateTimeOffset(2025, 11, 26, 13, 45, 12, 345, TimeSpan.Zero).UtcTicks;
        Assert.Equal(new DateTimeOffset(2025, 11, 26, 13, 0, 0, TimeSpan.Zero).UtcTicks, QuotaWindow.Start(QuotaPeriod.Hour, at));
        Assert.Equal(new DateTimeOffset(2025, 11, 26, 0, 0, 0, TimeSpan.Zero).UtcTicks, QuotaWindow.Start(QuotaPeriod.Day, at));
        Assert.Equal(new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks, QuotaWindow.Start(QuotaPeriod.Month, at));
        Assert.Equal(new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks, QuotaWindow.End(QuotaPeriod.Month, QuotaWindow.Start(QuotaPeriod.Month, at)));
    }
}
