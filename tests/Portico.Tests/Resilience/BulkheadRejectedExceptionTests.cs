using Microsoft.AspNetCore.Http;
using Polly;
using Portico.Resilience;
using Portico.Resilience.Bulkheads;

namespace Portico.Tests.Resilience;

/// <summary>A full bulkhead is the bulkhead's own refusal, answered 503 <c>backend-busy</c>, never a backend failure.</summary>
public sealed class BulkheadRejectedExceptionTests
{
    [Fact]
    public async Task TryAnswer_BulkheadRejected_503BackendBusyWithRetryAfterOneSecond()
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();

        Assert.True(ResilienceErrors.TryAnswer(http, new BulkheadRejectedException(), out var answer));
        await answer;

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("1", http.Response.Headers.RetryAfter.ToString());
        http.Response.Body.Position = 0;
        Assert.Contains("backend-busy", await new StreamReader(http.Response.Body).ReadToEndAsync());
    }

    [Fact]
    public void BulkheadRejectedException_IsAPollyRefusal() =>
        Assert.IsAssignableFrom<ExecutionRejectedException>(new BulkheadRejectedException());
}
