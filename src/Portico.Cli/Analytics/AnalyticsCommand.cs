using System.CommandLine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portico.Analytics;
using Portico.Cli.Admin;

namespace Portico.Cli.Analytics;

/// <summary>
/// <c>portico analytics</c>: the admin API's traffic analytics of a running gateway (docs/analytics.md), as a table or, with
/// <c>--json</c>, the API's JSON as it is. The options are checked by the same code the gateway checks the query with,
/// so a mistake is named before anything is sent.
/// </summary>
internal static class AnalyticsCommand
{
    public static Command Create(TextWriter output, TextWriter error) => Create(output, error, TimeProvider.System);

    /// <summary>The command, reading "now" (the end of a <c>--last</c> range it checks) from <paramref name="time"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var api = new AdminApiClient { CommandName = "portico analytics" };
        var last = new Option<string?>("--last") { Description = "The range up to now, such as 15m, 6h or 7d (default 1h)." };
        var from = new Option<string?>("--from") { Description = "The start of the range, an RFC 3339 time with an offset (2026-12-05T07:00:00Z)." };
        var to = new Option<string?>("--to") { Description = "The end of the range (default now); needs --from." };
        var groupBy = new Option<string?>("--group-by") { Description = "route, consumer or status (default route)." };
        var top = new Option<string?>("--top") { Description = "How many groups to list, 1 to 100 (default 10)." };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON answer as it is." };
        var command = new Command("analytics", "Show a running gateway's traffic: totals, latency percentiles, refusals and the top routes, consumers or status classes.");
        api.AddOptionsTo(command);
        command.Options.Add(last);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(groupBy);
        command.Options.Add(top);
        command.Options.Add(json);
        command.SetAction(async (parsed, ct) =>
        {
            var parameters = new Dictionary<string, StringValues>(StringComparer.Ordinal);
            void Put(string name, Option<string?> option)
            {
                if (parsed.GetValue(option) is { Length: > 0 } value)
                {
                    parameters[name] = value;
                }
            }

            Put("last", last);
            Put("from", from);
            Put("to", to);
            Put("groupBy", groupBy);
            Put("top", top);

            // The widest range the gateway could allow; the gateway applies its own limit.
            if (AnalyticsQuery.Parse(new QueryCollection(parameters), time.GetUtcNow(), TimeSpan.FromDays(366), out var problem) is null)
            {
                await error.WriteLineAsync($"portico analytics: {problem}.");
                return ExitCodes.Invalid;
            }

            var query = QueryString.Create(parameters.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString())));
            return await api.GetAndPrintAsync(parsed, "analytics" + query.Value, parsed.GetValue(json), AnalyticsTable.Format, "analytics", output, error, ct);
        });
        return command;
    }
}
