using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Portico.Cli.Admin;

namespace Portico.Cli.Backends;

/// <summary>
/// <c>portico backends list|register|deregister</c>: a running gateway's backends with each destination's health,
/// source and last sighting, and the instance registration API (docs/discovery.md#registration), through the admin API
/// with the credential from the environment by preference.
/// </summary>
internal static class BackendsCommands
{
    public static Command Create(TextWriter output, TextWriter error) =>
        new("backends", "The backends of a running gateway: their destinations, and instances registering themselves.")
        {
            List(output, error),
            Register(output, error),
            Deregister(output, error),
        };

    private static Command List(TextWriter output, TextWriter error)
    {
        var api = new AdminApiClient { CommandName = "portico backends list" };
        var backend = new Argument<string?>("backend") { Description = "One backend's id; every backend when left out.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON answer as it is." };
        var command = new Command("list", "List each backend's destinations with their health, source, and when the source last saw them (this gateway instance's view).") { backend, json };
        api.AddOptionsTo(command);
        command.SetAction((parsed, ct) =>
        {
            var id = parsed.GetValue(backend);
            return api.GetAndPrintAsync(parsed, "backends" + (id is null ? "" : "/" + Uri.EscapeDataString(id)), parsed.GetValue(json), BackendsReport.Format, "admin backends", output, error, ct);
        });
        return command;
    }

    private static Command Register(TextWriter output, TextWriter error)
    {
        var api = new AdminApiClient { CommandName = "portico backends register" };
        var backend = new Argument<string>("backend") { Description = "The backend's id (its registry entry has \"discovery\": { \"type\": \"registration\" })." };
        var url = new Argument<string>("url") { Description = "The instance's address, such as http://10.0.0.7:8080." };
        var weight = new Option<int?>("--weight") { Description = "Its share of the traffic, 1 to 1000 (default 1)." };
        var ttl = new Option<string?>("--ttl") { Description = "How long the registration holds without another one (5s to 1h, default 30s): register again within it as a heartbeat." };
        var metadata = new Option<string[]>("--metadata") { Description = "A fact about the instance as name=value (such as zone=westeurope-1); repeat for more.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("register", "Register an instance of a backend, or renew its registration (a heartbeat).") { backend, url, weight, ttl, metadata };
        api.AddOptionsTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var facts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parsed.GetValue(metadata) ?? [])
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0)
                {
                    await error.WriteLineAsync($"portico backends register: --metadata '{pair}' is not name=value.");
                    return ExitCodes.Invalid;
                }

                facts[pair[..equals]] = pair[(equals + 1)..];
            }

            var body = new Dictionary<string, object?> { ["url"] = parsed.GetValue(url), ["metadata"] = facts };
            if (parsed.GetValue(weight) is { } w)
            {
                body["weight"] = w;
            }

            if (parsed.GetValue(ttl) is { } t)
            {
                body["ttl"] = t;
            }

            var (exit, answer) = await api.SendAsync(parsed, HttpMethod.Put, Instances(parsed.GetValue(backend)!), JsonContent.Create(body), error, ct);
            if (answer is null)
            {
                return exit;
            }

            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            var where = root.GetProperty("shared").GetBoolean() ? "every gateway instance sees it" : "only the gateway instance that answered sees it (no Table storage)";
            await output.WriteLineAsync(
                $"Registered {root.GetProperty("url").GetString()} in backend {root.GetProperty("backend").GetString()} until {root.GetProperty("expiresAt").GetString()}; {where}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deregister(TextWriter output, TextWriter error)
    {
        var api = new AdminApiClient { CommandName = "portico backends deregister" };
        var backend = new Argument<string>("backend") { Description = "The backend's id." };
        var url = new Argument<string>("url") { Description = "The registered instance's address." };
        var command = new Command("deregister", "Remove a registered instance of a backend at once (rather than waiting for its registration to expire).") { backend, url };
        api.AddOptionsTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var address = parsed.GetValue(url)!;
            var (exit, answer) = await api.SendAsync(parsed, HttpMethod.Delete, Instances(parsed.GetValue(backend)!) + "?url=" + Uri.EscapeDataString(address), null, error, ct);
            if (answer is not null)
            {
                await output.WriteLineAsync($"Deregistered {address} from backend {parsed.GetValue(backend)}.");
            }

            return exit;
        });
        return command;
    }

    private static string Instances(string backend) => "backends/" + Uri.EscapeDataString(backend) + "/instances";
}
