using Microsoft.Extensions.Options;
using Portico.Admin;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Analytics;

/// <summary>
/// <c>GET {prefix}/admin/analytics?last=1h&amp;groupBy=route&amp;top=10</c> (or <c>from</c>/<c>to</c>): traffic totals, a time
/// series and the top groups, merged across instances (docs/analytics.md). Bad parameters get 400 problem answers.
/// </summary>
internal sealed class AnalyticsEndpoint(AnalyticsQueryRunner runner, AnalyticsRecorder recorder, IOptions<PorticoOptions> options, TimeProvider time) : IPorticoEndpoint
{
    private readonly TimeSpan _maxRange = options.Value.Analytics.MaxQueryRange;

    public string Path => "/admin/analytics";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public async Task HandleAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        if (!recorder.IsEnabled)
        {
            await ProblemResponse.WriteAsync(http, AnalyticsProblems.Disabled, "set Portico:Analytics:Enabled to true to collect them");
            return;
        }

        var now = time.GetUtcNow();
        if (AnalyticsQuery.Parse(http.Request.Query, now, _maxRange, out var error) is not { } query)
        {
            await ProblemResponse.WriteAsync(http, AnalyticsProblems.InvalidQuery, error);
            return;
        }

        var report = await runner.RunAsync(query, now, http.RequestAborted);
        await AdminJson.WriteAsync(http, report);
    }
}
