using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Dispatch;
using Portico.Hosting;
using Portico.Proxy;
using Portico.Resilience.Fallbacks;
using Portico.Resilience.Retries;

namespace Portico.Resilience;

/// <summary>
/// Validates the <c>resilience</c> sections of backends and routes, naming item and field in every error, and builds
/// what requests use: a long-lived <see cref="BackendResilience"/> per backend (its breaker state survives reloads)
/// and one <see cref="ResilientInvoker"/> per proxy route, once per snapshot.
/// </summary>
internal sealed class ResilienceCompiler(
    IOptions<PorticoOptions> options,
    BackendResilienceRegistry registry,
    ResilienceTelemetry telemetry,
    IEnumerable<IStaleResponseSource> staleSources,
    TimeProvider timeProvider)
{
    private readonly IStaleResponseSource[] _staleSources = [.. staleSources];

    /// <summary>Whether resilience pipelines run at all (<c>Portico:Resilience:Enabled</c>).</summary>
    public bool Enabled => options.Value.Resilience.Enabled;

    public BackendResilienceSettings? CompileBackend(BackendResilienceDefinition? definition, Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error("resilience." + field, message);
        }

        var breaker = definition?.CircuitBreaker;
        var bulkhead = definition?.Bulkhead;
        var budget = definition?.RetryBudget;
        var settings = new BackendResilienceSettings
        {
            BreakerEnabled = breaker?.Enabled ?? true,
            FailureRatio = breaker?.FailureRatio ?? ResilienceDefaults.FailureRatio,
            MinimumThroughput = breaker?.MinimumThroughput ?? ResilienceDefaults.MinimumThroughput,
            SamplingDuration = Duration("circuitBreaker.samplingDuration", breaker?.SamplingDuration, ResilienceDefaults.SamplingDuration, ResilienceDefaults.MinBreakerDuration, ResilienceDefaults.MaxBreakerDuration, Error),
            BreakDuration = Duration("circuitBreaker.breakDuration", breaker?.BreakDuration, ResilienceDefaults.BreakDuration, ResilienceDefaults.MinBreakerDuration, ResilienceDefaults.MaxBreakerDuration, Error),
            FailureStatusCodes = StatusCodes("circuitBreaker.failureStatusCodes", breaker?.FailureStatusCodes, ResilienceDefaults.FailureStatusCodes, 400, Error),
            Shared = breaker?.Shared ?? true,
            MaxConcurrency = bulkhead?.MaxConcurrency ?? ResilienceDefaults.MaxConcurrency,
            QueueLimit = bulkhead?.QueueLimit ?? ResilienceDefaults.QueueLimit,
            BudgetRatio = budget?.Ratio ?? ResilienceDefaults.BudgetRatio,
            BudgetMinRetriesPerSecond = budget?.MinRetriesPerSecond ?? ResilienceDefaults.BudgetMinRetriesPerSecond,
        };

        if (!(settings.FailureRatio > 0 && settings.FailureRatio <= 1))
        {
            Error("circuitBreaker.failureRatio", "must be above 0 and at most 1");
        }

        if (settings.MinimumThroughput < 2)
        {
            Error("circuitBreaker.minimumThroughput", "must be at least 2");
        }

        if (settings.MaxConcurrency is < 1 or > ResilienceDefaults.BulkheadLimit)
        {
            Error("bulkhead.maxConcurrency", $"must be between 1 and {ResilienceDefaults.BulkheadLimit}");
        }

        if (settings.QueueLimit is < 0 or > ResilienceDefaults.BulkheadLimit)
        {
            Error("bulkhead.queueLimit", $"must be between 0 and {ResilienceDefaults.BulkheadLimit}");
        }

        if (!(settings.BudgetRatio >= 0 && settings.BudgetRatio <= 1))
        {
            Error("retryBudget.ratio", "must be between 0 and 1 (retries per request)");
        }

        if (!(settings.BudgetMinRetriesPerSecond >= 0 && settings.BudgetMinRetriesPerSecond <= 100))
        {
            Error("retryBudget.minRetriesPerSecond", "must be between 0 and 100");
        }

        return failed ? null : settings;
    }

    public RouteResilienceSettings? CompileRoute(RouteDefinition route, Func<string, bool> backendExists, Action<string, string> error)
    {
        var definition = route.Resilience;
        if (definition is null)
        {
            return RouteResilienceSettings.Default;
        }

        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field.Length == 0 ? "resilience" : "resilience." + field, message);
        }

        if (route.Backend is null)
        {
            Error("", "only proxy routes (with 'backend') have resilience settings");
            return null;
        }

        var retry = definition.Retry;
        var fallback = definition.Fallback;
        var timeout = Duration("timeout", definition.Timeout, ResilienceDefaults.Timeout, ResilienceDefaults.MinTimeout, ResilienceDefaults.MaxTimeout, Error);
        TimeSpan? attemptTimeout = definition.AttemptTimeout is null
            ? null
            : Duration("attemptTimeout", definition.AttemptTimeout, timeout, ResilienceDefaults.MinTimeout, ResilienceDefaults.MaxTimeout, Error);
        if (attemptTimeout > timeout)
        {
            Error("attemptTimeout", $"must not be longer than the route's timeout ({Configuration.Duration.Format(timeout)})");
        }

        var settings = new RouteResilienceSettings
        {
            Timeout = timeout,
            AttemptTimeout = attemptTimeout == timeout ? null : attemptTimeout,
            MaxAttempts = retry?.MaxAttempts ?? ResilienceDefaults.MaxAttempts,
            Delay = Duration("retry.delay", retry?.Delay, ResilienceDefaults.RetryDelay, TimeSpan.Zero, ResilienceDefaults.RetryDelayLimit, Error),
            MaxDelay = Duration("retry.maxDelay", retry?.MaxDelay, ResilienceDefaults.RetryMaxDelay, TimeSpan.Zero, ResilienceDefaults.RetryDelayLimit, Error),
            RetryStatusCodes = StatusCodes("retry.statusCodes", retry?.StatusCodes, ResilienceDefaults.RetryStatusCodes, 400, Error),
            RetryNonIdempotent = retry?.NonIdempotent ?? false,
            MaxBufferedBody = retry?.MaxBufferedBody ?? ResilienceDefaults.MaxBufferedBody,
            MaxRetryAfter = Duration("retry.maxRetryAfter", retry?.MaxRetryAfter, ResilienceDefaults.MaxRetryAfter, TimeSpan.Zero, ResilienceDefaults.MaxRetryAfterLimit, Error),
            FallbackStatusCodes = StatusCodes("fallback.statusCodes", fallback?.StatusCodes, ResilienceDefaults.FallbackStatusCodes, 400, Error),
            FallbackBackend = fallback?.Backend,
            FallbackStatic = fallback?.Static is { } staticFallback
                ? StaticResponseCompiler.Compile(staticFallback, (field, message) => Error("fallback." + field, message))
                : null,
        };

        if (settings.MaxAttempts is < 1 or > ResilienceDefaults.MaxAttemptsLimit)
        {
            Error("retry.maxAttempts", $"must be between 1 (no retry) and {ResilienceDefaults.MaxAttemptsLimit}");
        }

        if (settings.MaxDelay < settings.Delay)
        {
            Error("retry.maxDelay", "must not be shorter than retry.delay");
        }

        if (settings.MaxBufferedBody is < 0 or > ResilienceDefaults.MaxBufferedBodyLimit)
        {
            Error("retry.maxBufferedBody", $"must be between 0 and {ResilienceDefaults.MaxBufferedBodyLimit} bytes");
        }

        if (fallback is not null)
        {
            if ((fallback.Static is null) == (fallback.Backend is null))
            {
                Error("fallback", "set exactly one of 'static' or 'backend'");
            }
            else if (fallback.Backend is { } fallbackBackend)
            {
                if (!backendExists(fallbackBackend))
                {
                    Error("fallback.backend", $"unknown backend '{fallbackBackend}'");
                }
                else if (fallbackBackend == route.Backend)
                {
                    Error("fallback.backend", "must differ from the route's own backend");
                }
            }
        }

        return failed ? null : settings;
    }

    /// <summary>The long-lived resilience state of a backend (reused while its definition is unchanged), or null when turned off.</summary>
    public BackendResilience? BuildBackend(BackendDefinition definition, BackendResilienceSettings settings, UpstreamClient client)
    {
        if (!Enabled)
        {
            return null;
        }

        return registry.GetOrCreate(definition.Id, ConfigHash(definition), settings, client);
    }

    /// <summary>What a proxy route hands to the forwarder: its resilience pipeline over the backend, or the plain client when turned off.</summary>
    public HttpMessageInvoker BuildRoute(string routeId, CompiledBackend backend, RouteResilienceSettings settings, IReadOnlyDictionary<string, CompiledBackend> backends)
    {
        if (backend.Resilience is not { } resilience)
        {
            return backend.Invoker;
        }

        var fallbackBackend = settings.FallbackBackend is { } id ? backends.GetValueOrDefault(id) : null;
        return new ResilientInvoker(routeId, backend, resilience, settings, fallbackBackend, _staleSources, telemetry, timeProvider);
    }

    /// <summary>The invoker behind <see cref="CompiledBackend.SendAsync"/>: the backend's policies with a route's defaults.</summary>
    public HttpMessageInvoker? BuildDefault(CompiledBackend backend) =>
        backend.Resilience is { } resilience
            ? new ResilientInvoker(null, backend, resilience, RouteResilienceSettings.Default, null, [], telemetry, timeProvider)
            : null;

    /// <summary>
    /// Identifies a backend's configuration: breaker state is kept across reloads while it is unchanged, and shared
    /// breaker records are only adopted by instances that run the same configuration.
    /// </summary>
    internal static string ConfigHash(BackendDefinition definition)
    {
        var json = RegistrySerializer.SerializeItem(definition, RegistryJsonContext.Default.BackendDefinition);
        // A comparison key, not a signature: XXH64 rather than SHA-256 keeps OpenSSL out of start-up (docs/performance.md).
        return Convert.ToHexStringLower(XxHash64.Hash(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>A duration field: <paramref name="fallback"/> when absent; reported through <paramref name="error"/> when unparsable or outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static TimeSpan Duration(string field, string? text, TimeSpan fallback, TimeSpan min, TimeSpan max, Action<string, string> error)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!Configuration.Duration.TryParse(text, out var value) || value < TimeSpan.Zero)
        {
            error(field, $"'{text}' is not a {(min > TimeSpan.Zero ? "positive" : "non-negative")} duration such as '30s' or '500ms'");
            return fallback;
        }

        if (value < min || value > max)
        {
            error(field, value < min && min > TimeSpan.Zero && value == TimeSpan.Zero
                ? "must be positive"
                : $"must be between {Configuration.Duration.Format(min)} and {Configuration.Duration.Format(max)}");
            return fallback;
        }

        return value;
    }

    /// <summary>A status code list field: <paramref name="defaults"/> when absent; each code from <paramref name="min"/> to 599.</summary>
    internal static StatusCodeSet StatusCodes(string field, IReadOnlyList<int>? codes, int[] defaults, int min, Action<string, string> error)
    {
        if (codes is null)
        {
            return new StatusCodeSet(defaults);
        }

        foreach (var code in codes)
        {
            if (code < min || code > 599)
            {
                error(field, $"{code} is not a status between {min} and 599");
            }
        }

        return new StatusCodeSet(codes);
    }
}
