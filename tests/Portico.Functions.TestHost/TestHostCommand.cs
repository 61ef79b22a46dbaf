using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Portico.Functions.TestHost;

/// <summary>
/// The command line, for the benchmark:
/// <c>serve --app DIR [--urls URL] [--setting NAME=VALUE]...</c> runs the host and a worker until SIGTERM or Ctrl+C;
/// <c>coldstart --app DIR --path PATH --name NAME --out FILE [--runs N] [--warmup N] [--setting NAME=VALUE]...</c>
/// keeps one host running and times fresh workers from process start to the first 200 on PATH.
/// </summary>
internal static class TestHostCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("serve" or "coldstart"))
        {
            await Console.Error.WriteLineAsync("usage: Portico.Functions.TestHost serve|coldstart --app DIR [options] (see TestHostCommand.cs)");
            return 2;
        }

        var options = Parse(args[1..]);
        var settings = options.GetValueOrDefault("--setting", []).Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)(p.Length > 1 ? p[1] : ""));
        var hostOptions = new FunctionsTestHostOptions
        {
            AppDirectory = Single(options, "--app"),
            AppSettings = settings,
            Url = options.TryGetValue("--urls", out var urls) ? urls[0] : "http://127.0.0.1:0",
            Log = entry =>
            {
                if (entry.Level >= Microsoft.Extensions.Logging.LogLevel.Warning || entry.Category == "Host")
                {
                    Console.Error.WriteLine(entry.ToString());
                }
            },
        };
        return args[0] == "serve" ? await ServeAsync(hostOptions) : await ColdStartAsync(hostOptions, options);
    }

    private static async Task<int> ServeAsync(FunctionsTestHostOptions options)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await using var host = await FunctionsTestHost.CreateAsync(options);
        var result = await host.StartWorkerAsync();
        if (!result.Ready)
        {
            await Console.Error.WriteLineAsync(result.Failure);
            return 1;
        }

        await Console.Out.WriteLineAsync($"Functions test host listening on {host.Url}");
        try
        {
            await Task.WhenAny(Task.Delay(Timeout.Infinite, stop.Token), host.WorkerExited);
        }
        catch (OperationCanceledException)
        {
        }

        await host.StopAsync();
        return 0;
    }

    private static async Task<int> ColdStartAsync(FunctionsTestHostOptions options, Dictionary<string, List<string>> arguments)
    {
        var path = Single(arguments, "--path");
        var name = Single(arguments, "--name");
        var output = Single(arguments, "--out");
        var runs = int.Parse(arguments.TryGetValue("--runs", out var r) ? r[0] : "5", CultureInfo.InvariantCulture);
        var warmup = int.Parse(arguments.TryGetValue("--warmup", out var w) ? w[0] : "1", CultureInfo.InvariantCulture);

        await using var host = await FunctionsTestHost.CreateAsync(options);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var samples = new List<double>();
        for (var run = 1 - warmup; run <= runs; run++)
        {
            var started = host.StartWorkerAsync();
            // The worker's own clock starts when its process starts; the host's is already running.
            var ready = await started;
            if (!ready.Ready)
            {
                await Console.Error.WriteLineAsync($"coldstart {name}: the worker did not start: {ready.Failure}");
                return 1;
            }

            var (firstAnswerMs, readyMs, peakKb) = await host.ColdStartSampleAsync(client, path);
            if (firstAnswerMs is null)
            {
                await Console.Error.WriteLineAsync($"coldstart {name}: no 200 from {host.Url}{path} within 30 s");
                return 1;
            }

            if (run >= 1)
            {
                samples.Add(firstAnswerMs.Value);
                var line = JsonSerializer.Serialize(new { kind = "startup", name, run, first_answer_ms = Math.Round(firstAnswerMs.Value, 1), listening_ms = Math.Round(readyMs, 1), vmhwm_kb = peakKb });
                await File.AppendAllTextAsync(output, line + "\n");
            }

            await host.StopWorkerAsync();
        }

        samples.Sort();
        await Console.Out.WriteLineAsync($"startup {name}: median {samples[samples.Count / 2]:0} ms from worker process start to the first 200 (runs: {string.Join(", ", samples.Select(s => s.ToString("0", CultureInfo.InvariantCulture)))})");
        return 0;
    }

    private static string Single(Dictionary<string, List<string>> options, string name) =>
        options.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : throw new ArgumentException($"{name} is required once");

    private static Dictionary<string, List<string>> Parse(string[] args)
    {
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!options.TryGetValue(args[i], out var values))
            {
                options[args[i]] = values = [];
            }

            values.Add(args[i + 1]);
        }

        return options;
    }
}
