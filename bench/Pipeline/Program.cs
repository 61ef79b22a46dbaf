using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;

namespace Portico.Bench.Pipeline;

public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args is ["--allocations", ..])
        {
            await MeasureAllocationsAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    /// <summary>
    /// Exact bytes allocated per request on every thread (BenchmarkDotNet's memory diagnoser can miss what the
    /// continuations allocate on pool threads) and CPU time per request, for each invoker, one request at a time.
    /// The invokers take turns over several rounds (in reverse order every other round); the medians are printed.
    /// </summary>
    private static async Task MeasureAllocationsAsync(int requests)
    {
        const int Rounds = 7;
        var benchmarks = new ResiliencePipelineBenchmarks();
        benchmarks.Setup();
        var transcoding = new TranscodingBenchmarks();
        transcoding.Setup();
        try
        {
            var cases = new (string Name, Func<Task> Send)[]
            {
                ("resilience off (plain invoker)", benchmarks.Off),
                ("default pipeline", benchmarks.Default),
                ("default, retries off", benchmarks.NoRetries),
                ("default plus an attempt timeout", benchmarks.AttemptTimeout),
                ("transcoded unary call, whole engine (docs/protocols.md)", transcoding.Unary),
            };
            var bytes = cases.Select(_ => new List<double>()).ToArray();
            var cpu = cases.Select(_ => new List<double>()).ToArray();
            var perRound = requests / Rounds;
            for (int round = -1; round < Rounds; round++) // round -1 warms every invoker up
            {
                var order = Enumerable.Range(0, cases.Length);
                foreach (var index in round % 2 == 0 ? order : order.Reverse())
                {
                    var process = Process.GetCurrentProcess();
                    var cpuBefore = process.TotalProcessorTime;
                    var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                    for (int i = 0; i < perRound; i++)
                    {
                        await cases[index].Send();
                    }

                    var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
                    process.Refresh();
                    if (round >= 0)
                    {
                        bytes[index].Add((double)allocated / perRound);
                        cpu[index].Add((process.TotalProcessorTime - cpuBefore).TotalMicroseconds / perRound);
                    }
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Rounds} rounds of {perRound} requests per invoker, medians:"));
            Console.WriteLine();
            Console.WriteLine("| invoker | bytes/request | CPU µs/request |");
            Console.WriteLine("| --- | ---: | ---: |");
            for (int i = 0; i < cases.Length; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {cases[i].Name} | {Median(bytes[i]):0} | {Median(cpu[i]):0.00} |"));
            }
        }
        finally
        {
            benchmarks.Cleanup();
            transcoding.Cleanup();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
