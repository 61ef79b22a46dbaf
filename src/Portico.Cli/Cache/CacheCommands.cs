using System.CommandLine;
using System.Text;
using System.Text.Json;
using Portico.Cli.Admin;

namespace Portico.Cli.Cache;

/// <summary>
/// <c>portico cache purge url|path-prefix|key</c>: calls <c>POST {prefix}/admin/cache/purge</c> of a running gateway,
/// which removes the selected entries at once and records the purge for every instance (docs/caching.md).
/// </summary>
internal static class CacheCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var purge = new Command("purge", "Remove cached responses on every instance of a running gateway, by URL, path prefix or surrogate key.")
        {
            Selector(output, error, "url", "URL", "An absolute URL (its host must be the one clients use) or a path with its query, which purges it on every host.",
                "Purge one URL: every stored variant of it.", (value, _) => new() { ["url"] = value }),
            Selector(output, error, "path-prefix", "PATH", "A path starting with '/': every URL whose path starts with it.",
                "Purge every URL under a path prefix.", (value, host) => host is null ? new() { ["prefix"] = value } : new() { ["prefix"] = value, ["host"] = host }),
            Selector(output, error, "key", "KEY", "A surrogate key the backend sent in Surrogate-Key or Cache-Tag.",
                "Purge every response tagged with a surrogate key.", (value, _) => new() { ["surrogateKey"] = value }),
        };
        return new Command("cache", "The response cache of a running gateway.") { purge };
    }

    private static Command Selector(
        TextWriter output, TextWriter error, string name, string argumentName, string argumentDescription, string description,
        Func<string, string?, Dictionary<string, string>> body)
    {
        var api = new AdminApiClient { CommandName = "portico cache purge " + name };
        var value = new Argument<string>(argumentName) { Description = argumentDescription };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON answer as it is." };
        var host = new Option<string?>("--host") { Description = "Only URLs of this host (as clients send it in Host); every host when absent." };
        var command = new Command(name, description) { value };
        if (name == "path-prefix")
        {
            command.Options.Add(host);
        }

        api.AddOptionsTo(command);
        command.Options.Add(json);
        command.SetAction(async (parsed, ct) =>
        {
            var payload = JsonSerializer.Serialize(body(parsed.GetRequiredValue(value), parsed.GetValue(host)));
            using var content = new StringContent(payload, Encoding.UTF8, "application/json");
            var (exit, answer) = await api.SendAsync(parsed, HttpMethod.Post, "cache/purge", content, error, ct);
            if (answer is null)
            {
                return exit;
            }

            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(answer.TrimEnd());
                return ExitCodes.Ok;
            }

            try
            {
                await output.WriteLineAsync(Describe(JsonDocument.Parse(answer).RootElement));
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                await error.WriteLineAsync($"portico cache purge: the gateway did not answer with a purge record ({ex.Message}).");
                return ExitCodes.Unavailable;
            }
        });
        return command;
    }

    /// <summary>One line: what was purged, how many entries the answering instance removed, and whether others apply it.</summary>
    internal static string Describe(JsonElement record)
    {
        var kind = record.GetProperty("kind").GetString();
        var value = record.GetProperty("value").GetString();
        var host = record.TryGetProperty("host", out var h) && h.ValueKind == JsonValueKind.String ? $" on host {h.GetString()}" : "";
        var removed = record.GetProperty("removedHere").GetInt32();
        var shared = record.GetProperty("shared").GetBoolean();
        var reach = shared
            ? $"recorded as {record.GetProperty("id").GetString()}: every instance applies it, also on start"
            : "no Table storage is configured, so only the instance that answered applies it";
        return $"Purged {kind} {value}{host}: {removed} entr{(removed == 1 ? "y" : "ies")} removed on the instance that answered; {reach}.";
    }
}
