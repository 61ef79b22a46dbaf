using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Portico.Pipeline;

namespace Portico.Caching;

/// <summary>
/// <c>stale-while-revalidate</c> (RFC 5861 §3): after a stale response was served, its revalidation runs in the
/// background as a copy of the client's request (same route, identity and headers, the client's conditionals
/// replaced by the stored validators), through the same dispatch and resilience as any request. At most one runs per
/// stored response key at a time.
/// </summary>
internal sealed partial class BackgroundRevalidator(RequestCoalescer coalescer, ILogger<BackgroundRevalidator> logger)
{
    private int _running;

    /// <summary>Revalidations running now.</summary>
    public int Running => Volatile.Read(ref _running);

    public void Start(CacheExchange exchange, CachedResponse entry, GatewayDelegate next, CacheStage stage)
    {
        var key = "revalidate\n" + exchange.Policy.RouteId + "\n" + entry.PrimaryKey + "\n" + exchange.Consumer;
        if (!coalescer.TryLead(key, out _))
        {
            return; // one is already on its way
        }

        // Copied now: the client's HttpContext is recycled once its response ends.
        var copy = Copy(exchange.Context);
        var background = new CacheExchange(copy, exchange.Policy, exchange.Options, exchange.PrimaryKey, CacheControl.Empty, exchange.Consumer, exchange.KeyHeaderValues)
        {
            ForwardReason = "stale",
            Candidate = entry,
        };
        Interlocked.Increment(ref _running);
        _ = Task.Run(async () =>
        {
            try
            {
                if (entry.ETag is null && entry.LastModified is null)
                {
                    await stage.ForwardAsync(background, next);
                }
                else
                {
                    await stage.RevalidateAsync(background, entry, next);
                }
            }
            catch (Exception ex)
            {
                LogFailed(logger, exchange.Policy.RouteId, ex);
            }
            finally
            {
                coalescer.Release(key);
                Interlocked.Decrement(ref _running);
            }
        });
    }

    private static GatewayContext Copy(GatewayContext original)
    {
        var source = original.HttpContext;
        var headers = new HeaderDictionary();
        foreach (var (name, value) in source.Request.Headers)
        {
            headers[name] = value;
        }

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = HttpMethods.Get,
            Scheme = source.Request.Scheme,
            PathBase = source.Request.PathBase.Value ?? "",
            Path = source.Request.Path.Value ?? "/",
            QueryString = source.Request.QueryString.Value ?? "",
            Protocol = source.Request.Protocol,
            Headers = headers,
        });
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        var http = new DefaultHttpContext(features) { RequestServices = source.RequestServices };
        http.Connection.RemoteIpAddress = source.Connection.RemoteIpAddress;
        http.Connection.RemotePort = source.Connection.RemotePort;

        var copy = new GatewayContext(http, original.Snapshot, original.ForwardedHeaders)
        {
            Route = original.Route,
            Identity = original.Identity,
            Target = original.Target, // the client's raw path and query, which the proxy forwards as they came
            ConnectionHeader = original.ConnectionHeader,
        };
        // The copy's route values are made from its own path and route when read, the same as the original's.
        http.Features.Set(copy);
        return copy;
    }

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Route {RouteId}: a background revalidation (stale-while-revalidate) failed")]
    private static partial void LogFailed(ILogger logger, string routeId, Exception exception);
}
