using System.CommandLine;
using Portico.Admin;
using Portico.Auth;

namespace Portico.Cli.Admin;

/// <summary>
/// <c>portico admin key create</c> and <c>portico admin registry</c>: make an admin key (printed once; only its hash goes
/// in the gateway settings) and read a running gateway's admin API (docs/admin.md).
/// </summary>
internal static class AdminCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var key = new Command("key", "Admin keys for the gateway's admin endpoints.") { CreateKey(output, error) };
        return new Command("admin", "Admin keys, and the admin API of a running gateway.")
        {
            key,
            AdminRegistryCommand.Create(output, error),
        };
    }

    private static Command CreateKey(TextWriter output, TextWriter error)
    {
        var name = new Option<string?>("--name") { Description = "Who holds the key (a person or a pipeline), kept beside its hash in the settings." };
        var command = new Command("create", "Generate an admin key: the key is printed once on standard output, the gateway setting to add on standard error.") { name };
        command.SetAction(async (parsed, ct) =>
        {
            var holder = parsed.GetValue(name);
            if (holder is not null && (holder.Length == 0 || holder.Any(char.IsControl)))
            {
                await error.WriteLineAsync("portico admin key create: --name must be a non-empty single line.");
                return ExitCodes.Invalid;
            }

            var (key, id) = ApiKeyFormat.Generate();
            var hash = ApiKeyFormat.Hash(key);
            await output.WriteLineAsync(key);
            await error.WriteLineAsync(Instructions(id, hash, holder));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What to add to the gateway settings for a new key: the hash only, never the key.</summary>
    internal static string Instructions(string id, string hash, string? holder)
    {
        var prefix = $"Portico__Admin__Keys__{id}__";
        var lines = new List<string>
        {
            $"Created admin key {id}. It is shown only now: store it safely (its hash cannot give it back).",
            "Add it to the gateway settings (app settings in Azure, environment variables, or appsettings.json):",
            $"  {prefix}Hash={hash}",
        };
        if (holder is not null)
        {
            lines.Add($"  {prefix}Name={holder}");
        }

        lines.Add($"  or: \"Portico\": {{ \"Admin\": {{ \"Keys\": {{ \"{id}\": {{ \"Hash\": \"{hash}\" }} }} }} }}");
        lines.Add($"Send it as 'Authorization: Bearer <key>' or '{AdminGate.KeyHeader}: <key>'. To retire it, remove the setting.");
        return string.Join(Environment.NewLine, lines);
    }
}
