using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>Invalid resilience settings are configuration errors that name the route or backend and the field.</summary>
public sealed class ResilienceValidationTests
{
    [Theory]
    [InlineData("""{ "timeout": "-5s" }""", "resilience.timeout", "not a positive duration")]
    [InlineData("""{ "timeout": "0s" }""", "resilience.timeout", "must be positive")]
    [InlineData("""{ "timeout": "300s" }""", "resilience.timeout", "between 10ms and 225s")]
    [InlineData("""{ "attemptTimeout": "-1s" }""", "resilience.attemptTimeout", "not a positive duration")]
    [InlineData("""{ "timeout": "5s", "attemptTimeout": "10s" }""", "resilience.attemptTimeout", "must not be longer than the route's timeout (5s)")]
    [InlineData("""{ "retry": { "maxAttempts": 0 } }""", "resilience.retry.maxAttempts", "between 1 (no retry) and 10")]
    [InlineData("""{ "retry": { "delay": "2s", "maxDelay": "1s" } }""", "resilience.retry.maxDelay", "must not be shorter than retry.delay")]
    [InlineData("""{ "retry": { "statusCodes": [200] } }""", "resilience.retry.statusCodes", "200 is not a status between 400 and 599")]
    [InlineData("""{ "retry": { "maxBufferedBody": -1 } }""", "resilience.retry.maxBufferedBody", "between 0 and")]
    [InlineData("""{ "retry": { "maxRetryAfter": "soon" } }""", "resilience.retry.maxRetryAfter", "'soon' is not a non-negative duration")]
    [InlineData("""{ "fallback": { } }""", "resilience.fallback", "exactly one of 'static' or 'backend'")]
    [InlineData("""{ "fallback": { "backend": "nowhere" } }""", "resilience.fallback.backend", "unknown backend 'nowhere'")]
    [InlineData("""{ "fallback": { "backend": "b" } }""", "resilience.fallback.backend", "must differ from the route's own backend")]
    [InlineData("""{ "fallback": { "static": { "status": 42 } } }""", "resilience.fallback.static.status", "between 200 and 599")]
    public async Task Validate_InvalidRouteResilience_NamesRouteAndField(string resilience, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(ResilienceGateway.Registry("http://127.0.0.1:9", resilience));

        var error = Assert.Single(errors);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("portico.json:", error.Location);
    }

    [Theory]
    [InlineData("""{ "circuitBreaker": { "breakDuration": "0s" } }""", "resilience.circuitBreaker.breakDuration", "must be positive")]
    [InlineData("""{ "circuitBreaker": { "breakDuration": "100ms" } }""", "resilience.circuitBreaker.breakDuration", "between 500ms and 1d")]
    [InlineData("""{ "circuitBreaker": { "samplingDuration": "-30s" } }""", "resilience.circuitBreaker.samplingDuration", "not a positive duration")]
    [InlineData("""{ "circuitBreaker": { "failureRatio": 0 } }""", "resilience.circuitBreaker.failureRatio", "above 0 and at most 1")]
    [InlineData("""{ "circuitBreaker": { "failureRatio": 1.5 } }""", "resilience.circuitBreaker.failureRatio", "above 0 and at most 1")]
    [InlineData("""{ "circuitBreaker": { "minimumThroughput": 1 } }""", "resilience.circuitBreaker.minimumThroughput", "at least 2")]
    [InlineData("""{ "circuitBreaker": { "failureStatusCodes": [700] } }""", "resilience.circuitBreaker.failureStatusCodes", "700 is not a status")]
    [InlineData("""{ "bulkhead": { "maxConcurrency": 0 } }""", "resilience.bulkhead.maxConcurrency", "between 1 and 100000")]
    [InlineData("""{ "bulkhead": { "queueLimit": -1 } }""", "resilience.bulkhead.queueLimit", "between 0 and 100000")]
    [InlineData("""{ "retryBudget": { "ratio": 2 } }""", "resilience.retryBudget.ratio", "between 0 and 1")]
    [InlineData("""{ "retryBudget": { "minRetriesPerSecond": -1 } }""", "resilience.retryBudget.minRetriesPerSecond", "between 0 and 100")]
    public async Task Validate_InvalidBackendResilience_NamesBackendAndField(string resilience, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(ResilienceGateway.Registry("http://127.0.0.1:9", backend: resilience));

        var error = Assert.Single(errors);
        Assert.Equal("backend 'b'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ResilienceOnStaticRoute_IsRejected()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "routes": [ { "id": "s", "auth": "anonymous", "match": { "path": "/s" }, "static": { "body": "x" }, "resilience": { "timeout": "5s" } } ] }
        """);

        var error = Assert.Single(errors);
        Assert.Equal("route 's'", error.Subject);
        Assert.Equal("resilience", error.Field);
    }

    [Fact]
    public async Task Validate_UnknownResilienceField_NamesIt()
    {
        var errors = await RegistryValidation.ErrorsAsync(ResilienceGateway.Registry("http://127.0.0.1:9", """{ "retries": 3 }"""));

        var error = Assert.Single(errors);
        Assert.Contains("retries", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_FullResilienceExample_IsAccepted()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "backends": [
            { "id": "orders", "url": "http://127.0.0.1:9",
              "resilience": {
                "circuitBreaker": { "failureRatio": 0.5, "minimumThroughput": 20, "samplingDuration": "30s", "breakDuration": "15s", "failureStatusCodes": [500, 502, 503, 504], "shared": true },
                "bulkhead": { "maxConcurrency": 200, "queueLimit": 50 },
                "retryBudget": { "ratio": 0.2, "minRetriesPerSecond": 1 } } },
            { "id": "orders-replica", "url": "http://127.0.0.1:10" }
          ],
          "routes": [
            { "id": "orders", "auth": "anonymous", "match": { "path": "/orders/{**rest}" }, "backend": "orders",
              "resilience": {
                "timeout": "10s", "attemptTimeout": "3s",
                "retry": { "maxAttempts": 3, "delay": "100ms", "maxDelay": "1s", "statusCodes": [502, 503, 504], "nonIdempotent": false, "maxBufferedBody": 65536, "maxRetryAfter": "2s" },
                "fallback": { "backend": "orders-replica", "statusCodes": [502, 503, 504] } } }
          ]
        }
        """);

        Assert.Empty(errors);
    }
}
