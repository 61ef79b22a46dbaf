using System.CommandLine;
using System.Text.Json;

namespace Portico.Cli.Admin;

/// <summary>
/// <c>portico admin registry</c>: reads <c>GET {prefix}/admin/registry</c> of a running gateway and prints it as tables,
/// or as the API's JSON with <c>--json</c>. The credential comes from the environment by preference, so it stays out
/// of shell history and process lists.
/// </summary>
internal static class AdminRegistryCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var api = new AdminApiClient { CommandName = "portico admin registry" };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON answer as it is." };
        var command = new Command("registry", "Show the live registry of a running gateway (secrets hidden), its revision, and the last refused revision with its errors.");
        api.AddOptionsTo(command);
        command.Options.Add(json);
        command.SetAction(async (parsed, ct) =>
        {
            var (exit, body) = await api.SendAsync(parsed, HttpMethod.Get, "registry", null, error, ct);
            if (body is null)
            {
                return exit;
            }

            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(body.TrimEnd());
                return ExitCodes.Ok;
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                await output.WriteAsync(RegistryReport.Format(document.RootElement));
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                await error.WriteLineAsync($"portico admin registry: the gateway did not answer with the admin registry JSON ({ex.Message}).");
                return ExitCodes.Unavailable;
            }
        });
        return command;
    }
}
