using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Portico.Problems;
using Portico.Resilience.Bulkheads;

namespace Portico.Resilience;

/// <summary>Turns the resilience pipeline's refusals into answers: 504 for a timeout, 503 with <c>Retry-After</c> for an open circuit or a full bulkhead.</summary>
internal static class ResilienceErrors
{
    /// <summary>Retry-After when the wait is unknown (a full bulkhead, a trial in flight).</summary>
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Answers when <paramref name="failure"/> is the pipeline's; false for anything else (the forwarder's own mapping applies).</summary>
    public static bool TryAnswer(HttpContext http, Exception? failure, out Task answer)
    {
        (Problem? problem, TimeSpan? retryAfter) = failure switch
        {
            TimeoutRejectedException => (GatewayProblems.GatewayTimeout, (TimeSpan?)null),
            BrokenCircuitException broken => (GatewayProblems.CircuitOpen, broken.RetryAfter ?? DefaultRetryAfter),
            BulkheadRejectedException => (GatewayProblems.BackendBusy, DefaultRetryAfter),
            Discovery.NoHealthyDestinationException none => (GatewayProblems.NoHealthyDestination, none.RetryAfter),
            _ => (null, null),
        };

        if (problem is null || http.Response.HasStarted)
        {
            answer = Task.CompletedTask;
            return false;
        }

        http.Response.Clear();
        if (retryAfter is { } wait)
        {
            // RFC 9110 §10.2.3: whole seconds, rounded up so a client never comes back before the break ends.
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        answer = ProblemResponse.WriteAsync(http, problem);
        return true;
    }
}
