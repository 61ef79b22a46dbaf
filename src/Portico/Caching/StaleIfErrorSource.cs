using System.Globalization;
using System.Net;
using Portico.Resilience.Fallbacks;

namespace Portico.Caching;

/// <summary>
/// The cache's side of the resilience pipeline's stale-if-error hook (RFC 5861 §4): when a cached route's backend
/// fails after its retries, the stored response the request was revalidating is served if the response's (or the
/// request's) <c>stale-if-error</c> still covers it and nothing forbids serving it stale (RFC 9111 §4.2.4).
/// </summary>
internal sealed class StaleIfErrorSource(TimeProvider time) : IStaleResponseSource
{
    public ValueTask<HttpResponseMessage?> GetStaleResponseAsync(StaleResponseRequest request, CancellationToken cancellationToken)
    {
        if (CacheExchange.Current is not { Candidate: { } entry } exchange
            || exchange.Policy.RouteId != request.RouteId
            || entry.Directives.NoCache
            || entry.Directives.ForbidsStale)
        {
            return ValueTask.FromResult<HttpResponseMessage?>(null);
        }

        var now = time.GetUtcNow();
        var staleness = entry.CurrentAge(now) - entry.FreshnessLifetime;
        var allowed = Math.Max(entry.Directives.StaleIfError ?? -1, exchange.RequestDirectives.StaleIfError ?? -1);
        if (allowed < 0 || staleness > TimeSpan.FromSeconds(allowed))
        {
            return ValueTask.FromResult<HttpResponseMessage?>(null);
        }

        var response = new HttpResponseMessage((HttpStatusCode)entry.Status)
        {
            RequestMessage = request.Request,
            Content = new ByteArrayContent(entry.Body),
        };
        foreach (var (name, values) in entry.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                response.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        response.Headers.TryAddWithoutValidation("Age", entry.AgeSeconds(now).ToString(CultureInfo.InvariantCulture));
        exchange.ServedStale = true;
        exchange.StaleIfErrorStatus = request.FailedStatus;
        return ValueTask.FromResult<HttpResponseMessage?>(response);
    }
}
