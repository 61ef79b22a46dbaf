namespace Portico.Analytics;

/// <summary>What an analytics query groups by (<c>groupBy=route|consumer|status</c>).</summary>
internal enum AnalyticsGroupBy
{
    /// <summary>By route id (<c>""</c> for requests no route matched).</summary>
    Route,

    /// <summary>By consumer id (<c>""</c> for anonymous callers and callers mapped to no consumer).</summary>
    Consumer,

    /// <summary>By status class (<c>2xx</c>, <c>4xx</c>, …).</summary>
    Status,
}
