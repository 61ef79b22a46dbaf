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
        command.SetAction((parsed, ct) =>
            api.GetAndPrintAsync(parsed, "registry", parsed.GetValue(json), RegistryReport.Format, "admin registry", output, error, ct));
        return command;
    }
}
