using System.Text;

namespace Portico.Bench.Tool;

/// <summary>Prints scenario settings as shell assignments for <c>eval</c> in run.sh.</summary>
internal static class ScenarioCommands
{
    public static int PrintScenarioEnv(string directory)
    {
        var scenario = Load(directory);
        if (scenario is null)
        {
            return 1;
        }

        var output = new StringBuilder();
        Assign(output, "SCN_NAME", scenario.Name);
        Assign(output, "SCN_DESCRIPTION", scenario.Description);
        Assign(output, "SCN_TARGETS", string.Join(' ', scenario.Targets));
        Assign(output, "SCN_CONNECTIONS", string.Join(' ', scenario.Connections));
        Assign(output, "SCN_REGISTRY", scenario.Resolve(scenario.Registry)!);
        Assign(output, "SCN_NEEDS", string.Join(' ', scenario.Needs));
        Assign(output, "SCN_ERRORS_EXPECTED", scenario.Targets.Any(t => scenario.ExpectFor(t).ErrorStatusesExpected) ? "1" : "0");
        output.Append("SCN_PORTICO_ENV=(");
        foreach (var (name, value) in scenario.PorticoEnv)
        {
            output.Append(Quote($"{name}={value}")).Append(' ');
        }

        output.Append(")\n");
        Console.Out.Write(output.ToString());
        return 0;
    }

    public static int PrintTargetEnv(string directory, string target)
    {
        var scenario = Load(directory);
        if (scenario is null)
        {
            return 1;
        }

        var request = scenario.Request;
        var bodyFile = scenario.Resolve(request.BodyFile);
        if (request.Body is not null)
        {
            bodyFile = Path.Combine(Path.GetTempPath(), $"portico-bench-{scenario.Name}-body");
            File.WriteAllText(bodyFile, request.Body);
        }

        var output = new StringBuilder();
        Assign(output, "BENCH_PATH", scenario.PathFor(target));
        Assign(output, "BENCH_METHOD", request.Method);
        Assign(output, "BENCH_HEADERS", string.Join('\n', request.Headers.Select(h => $"{h.Key}: {h.Value}")));
        Assign(output, "BENCH_BODY_FILE", bodyFile ?? "");
        Assign(output, "BENCH_LUA", scenario.Resolve(request.Lua) ?? "");
        Assign(output, "BENCH_ERRORS_EXPECTED", scenario.ExpectFor(target).ErrorStatusesExpected ? "1" : "0");
        Console.Out.Write(output.ToString());
        return 0;
    }

    private static Scenario? Load(string directory)
    {
        try
        {
            return Scenario.Load(directory);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return null;
        }
    }

    private static void Assign(StringBuilder output, string name, string value) =>
        output.Append(name).Append('=').Append(Quote(value)).Append('\n');

    // Single quotes keep everything literal in bash; a quote inside is closed, escaped and reopened.
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
