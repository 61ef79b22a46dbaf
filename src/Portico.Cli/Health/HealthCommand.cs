using System.CommandLine;
using System.Net;
using Portico.Cli.Serve;

namespace Portico.Cli.Health;

/// <summary>
/// <c>portico health</c>: asks a running gateway whether it is ready (<c>GET {prefix}/health/ready</c>), for a container's
/// <c>HEALTHCHECK</c>, where the runtime image has no curl: exit code 0 when ready, 3 when not ready or not reachable.
/// </summary>
internal static class HealthCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var url = new Option<string>("--url") { Description = "The gateway's base address.", DefaultValueFactory = _ => ServeCommand.DefaultUrls };
        var prefix = new Option<string>("--prefix") { Description = "The gateway's Portico:EndpointPrefix.", DefaultValueFactory = _ => "/_portico" };
        var live = new Option<bool>("--live") { Description = "Ask whether the process answers (health/live) instead of whether it is ready." };
        var command = new Command("health", "Check that a running gateway is ready (exit code 0) or not (3), for container health checks.") { url, prefix, live };
        command.SetAction(async (parsed, ct) =>
        {
            var probe = parsed.GetValue(live) ? "live" : "ready";
            var baseUrl = parsed.GetRequiredValue(url);
            if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/" + parsed.GetRequiredValue(prefix).Trim('/') + "/health/" + probe, UriKind.Absolute, out var address)
                || address.Scheme is not ("http" or "https"))
            {
                await error.WriteLineAsync($"portico health: '{baseUrl}' is not an http or https address.");
                return ExitCodes.Invalid;
            }

            // A health check must answer within the runtime's own timeout; the probe itself never touches storage.
            using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await client.GetAsync(address, ct);
                var body = (await response.Content.ReadAsStringAsync(ct)).Trim();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    await output.WriteLineAsync(body);
                    return ExitCodes.Ok;
                }

                await error.WriteLineAsync($"portico health: {address} answered {(int)response.StatusCode}: {body}");
                return ExitCodes.Unavailable;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                await error.WriteLineAsync($"portico health: {address} could not be reached: {ex.Message}");
                return ExitCodes.Unavailable;
            }
        });
        return command;
    }
}
