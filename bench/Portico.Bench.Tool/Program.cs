using Portico.Bench.Tool;

// The helper bench/run.sh calls for everything that is easier in C# than in bash: reading scenario files,
// checking answers, timing start-ups and writing the report. It never starts a load itself (wrk does).
return args switch
{
    ["scenario-env", var dir] => ScenarioCommands.PrintScenarioEnv(dir),
    ["target-env", var dir, var target] => ScenarioCommands.PrintTargetEnv(dir, target),
    ["check", var dir, var target, var baseUrl, .. var rest] => await CheckCommand.RunAsync(dir, target, baseUrl, rest),
    ["wait", var url, var seconds] => await WaitCommand.RunAsync(url, double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)),
    ["startup", .. var rest] => await StartupCommand.RunAsync(rest),
    ["report", .. var rest] => ReportCommand.Run(rest),
    ["allocations", .. var rest] => AllocationCommand.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Portico.Bench.Tool scenario-env SCENARIO_DIR
               Portico.Bench.Tool target-env SCENARIO_DIR TARGET
               Portico.Bench.Tool check SCENARIO_DIR TARGET BASE_URL [--seconds N]
               Portico.Bench.Tool wait URL SECONDS
               Portico.Bench.Tool startup --name NAME --url URL --out FILE [--runs N] [--warmup N] [--listen-port P] [--cwd DIR] -- COMMAND ARGS...
               Portico.Bench.Tool allocations --counters FILE --start EPOCH_S --end EPOCH_S --requests N --scenario S --target T --connections C --out FILE [--loadavg L]
               Portico.Bench.Tool report --raw FILE --scenarios-dir DIR --out-dir DIR [--setting key=value ...]
        """);
    return 2;
}
