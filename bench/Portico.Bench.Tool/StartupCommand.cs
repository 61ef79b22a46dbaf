using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Portico.Bench.Tool;

/// <summary>
/// Times a server's start-up: from just before the process is started to the first answer with the expected
/// status on a URL (for Portico, a proxied request, so the registry is loaded and the backend reached), and to
/// the line that says it listens. Each run starts a fresh process (in the <c>--cwd</c> directory, by default this
/// one) and kills it afterwards; warm-up runs (which also warm the file cache) are not recorded.
/// </summary>
internal static class StartupCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var separator = Array.IndexOf(args, "--");
        if (separator < 0 || separator == args.Length - 1)
        {
            Console.Error.WriteLine("bench startup: the command to start follows '--'");
            return 2;
        }

        var options = Options.Parse(args[..separator]);
        var command = args[(separator + 1)..];
        var name = options.Get("--name");
        var url = options.Get("--url");
        var output = options.Get("--out");
        var runs = int.Parse(options.Get("--runs", "5"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(options.Get("--warmup", "1"), CultureInfo.InvariantCulture);
        var expectStatus = int.Parse(options.Get("--expect-status", "200"), CultureInfo.InvariantCulture);
        var readyLine = options.Get("--ready-line", "listening on");
        var extraEnv = options.All("--env");
        var workingDirectory = options.Get("--cwd", Environment.CurrentDirectory);

        var results = new List<double>();
        for (int run = 1 - warmup; run <= runs; run++)
        {
            var sample = await StartOnceAsync(command, extraEnv, workingDirectory, url, expectStatus, readyLine);
            if (sample is null)
            {
                Console.Error.WriteLine($"bench startup {name}: no {expectStatus} from {url} within 30 s");
                return 1;
            }

            if (run < 1)
            {
                continue;
            }

            results.Add(sample.FirstAnswerMs);
            var line = JsonSerializer.Serialize(new
            {
                kind = "startup",
                name,
                run,
                first_answer_ms = Math.Round(sample.FirstAnswerMs, 1),
                listening_ms = sample.ListeningMs is { } l ? Math.Round(l, 1) : (double?)null,
                vmhwm_kb = sample.PeakWorkingSetKb,
            });
            await File.AppendAllTextAsync(output, line + "\n");
        }

        results.Sort();
        Console.Out.WriteLine($"startup {name}: median {results[results.Count / 2]:0} ms to the first {expectStatus} (runs: {string.Join(", ", results.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))})");
        return 0;
    }

    private static async Task<Sample?> StartOnceAsync(string[] command, IReadOnlyList<string> extraEnv, string workingDirectory, string url, int expectStatus, string readyLine)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in command[1..])
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var pair in extraEnv)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }

        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };

        await WarmUpAsync(client);
        double? listeningMs = null;
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        process.OutputDataReceived += (_, e) =>
        {
            if (listeningMs is null && e.Data?.Contains(readyLine, StringComparison.OrdinalIgnoreCase) == true)
            {
                listeningMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = started + (30 * Stopwatch.Frequency);
            var target = new Uri(url);
            if (IPAddress.TryParse(target.Host, out var address))
            {
                await WaitUntilListeningAsync(new IPEndPoint(address, target.Port), () => process.HasExited, deadline);
            }

            while (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
            {
                try
                {
                    using var response = await client.GetAsync(url);
                    if ((int)response.StatusCode == expectStatus)
                    {
                        await response.Content.ReadAsByteArrayAsync();
                        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        return new Sample(elapsed, listeningMs, ProcStatus.ReadKb(process.Id, "VmHWM"));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }

                await Task.Delay(2);
            }

            return null;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(exited.Token);
        }
    }

    /// <summary>
    /// Does once, before the clock starts, what the measurement does: start a process with redirected output, wait for a
    /// listening port, and read an HTTP response (from a throwaway listener of its own, never the URL under test). In a
    /// fresh tool process these first uses compile and initialise the process, socket and HTTP code, which on a 2-core
    /// machine otherwise ran beside the start being measured and took CPU from it (issue 25, docs/performance.md).
    /// </summary>
    private static async Task WarmUpAsync(HttpClient client)
    {
        using (var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true }))
        {
            await process!.WaitForExitAsync();
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        var answer = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++) // the poller's connection, then the request's
            {
                using var socket = await listener.AcceptSocketAsync();
                if (i == 1)
                {
                    await socket.ReceiveAsync(new byte[4096]);
                    await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
                }
            }
        });
        await WaitUntilListeningAsync(endpoint, static () => false, Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency));

        using (var response = await client.GetAsync($"http://{endpoint}/"))
        {
            await response.Content.ReadAsByteArrayAsync();
        }

        await answer;
    }

    /// <summary>
    /// Waits until something accepts TCP connections at <paramref name="endpoint"/>, on a thread of its own with blocking
    /// calls: a connection attempt, then 2 ms of sleep. Asking with an HTTP request every 2 ms through the thread pool
    /// while the server was not listening yet, with the tool's methods recompiled meanwhile and its idle workers spinning
    /// (see the project file), cost the tool 100 to 290 ms of CPU during a 450-ms start on this 2-core machine, taken
    /// from the start being measured; now about 45 (issue 25, docs/performance.md, "Start-up, tenth round").
    /// </summary>
    private static Task WaitUntilListeningAsync(IPEndPoint endpoint, Func<bool> exited, long deadline)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var poller = new Thread(() =>
        {
            while (Stopwatch.GetTimestamp() < deadline && !exited())
            {
                using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Connect(endpoint);
                    break;
                }
                catch (SocketException)
                {
                    Thread.Sleep(2); // refused: not listening yet
                }
            }

            listening.SetResult();
        })
        { IsBackground = true, Name = "bench startup poll" };
        poller.Start();
        return listening.Task;
    }

    private sealed record Sample(double FirstAnswerMs, double? ListeningMs, long? PeakWorkingSetKb);
}
