namespace Portico.Resilience;

/// <summary>The defaults of every resilience setting (docs/configuration.md#resilience lists them too).</summary>
internal static class ResilienceDefaults
{
    /// <summary>The Functions host ends every response at 230 s: a route timeout leaves room to answer 504 first.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(225);

    /// <summary>A common gateway bound (API gateways answer 504 after 15 to 60 s); below the 100 s activity timeout, so a silent backend counts as a breaker failure.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The shortest timeout accepted: below it no backend call over a network could finish.</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);

    public const int MaxAttempts = 3;
    public const int MaxAttemptsLimit = 10;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan RetryDelayLimit = TimeSpan.FromMinutes(1);
    public static readonly int[] RetryStatusCodes = [502, 503, 504];
    public const long MaxBufferedBody = 64 * 1024;
    public const long MaxBufferedBodyLimit = 10 * 1024 * 1024;
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxRetryAfterLimit = TimeSpan.FromMinutes(1);

    public static readonly int[] FallbackStatusCodes = [502, 503, 504];

    public const double FailureRatio = 0.5;
    public const int MinimumThroughput = 20;
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>The shortest sampling window or break accepted (Polly's own breaker has the same floor).</summary>
    public static readonly TimeSpan MinBreakerDuration = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBreakerDuration = TimeSpan.FromDays(1);
    public static readonly int[] FailureStatusCodes = [500, 502, 503, 504];

    public const int MaxConcurrency = 1024;
    public const int QueueLimit = 128;
    public const int BulkheadLimit = 100_000;

    public const double BudgetRatio = 0.2;
    public const double BudgetMinRetriesPerSecond = 1;
}
