using System.CommandLine;

namespace Portico.Cli.Demo;

/// <summary><c>portico demo</c>: runs only the demo backends, for trying the demo under <c>func start</c>.</summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var urls = new Option<string>("--urls")
        {
            Description = $"Where the demo backends listen (default {DemoBackends.DefaultUrl}, where the demo registry points; port 0 picks a free port).",
            DefaultValueFactory = _ => DemoBackends.DefaultUrl,
        };
        var command = new Command("demo", $"Run the demo backends on {DemoBackends.DefaultUrl} (the gateway itself runs elsewhere, for example under func start).") { urls };
        command.SetAction(async (parsed, ct) =>
        {
            await using var backends = await DemoBackends.StartAsync(error, ct, parsed.GetRequiredValue(urls));
            if (backends is null)
            {
                return ExitCodes.Unavailable;
            }

            await output.WriteLineAsync($"Demo backends listening on {backends.Url}; registry file: {DemoBackends.ConfigurationPath}");
            try
            {
                await backends.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
