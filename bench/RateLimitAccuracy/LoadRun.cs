using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Portico.Bench.RateLimit;

/// <summary>Drives one hot key at the gateways: open loop at a fixed rate, or closed loop as fast as answers come.</summary>
internal static class LoadRun
{
    public sealed record Result(int Sent, int Admitted, int Limited, int Other, TimeSpan Elapsed, double[] LatenciesMs)
    {
        /// <summary>Answers per second.</summary>
        public double PerSecond => (Admitted + Limited + Other) / Elapsed.TotalSeconds;

        public double Percentile(double p)
        {
            if (LatenciesMs.Length == 0)
            {
                return 0;
            }

            var sorted = LatenciesMs.Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        }
    }

    /// <summary>Sends <paramref name="perSecond"/> requests a second for <paramref name="duration"/>, round-robin, without waiting for answers.</summary>
    public static async Task<Result> OpenLoopAsync(IReadOnlyList<HttpClient> clients, string path, string key, double perSecond, TimeSpan duration)
    {
        var answers = new ConcurrentQueue<(HttpStatusCode Status, double Ms)>();
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        var sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(2));
        while (clock.Elapsed < duration)
        {
            var due = (int)(clock.Elapsed.TotalSeconds * perSecond) + 1;
            for (; sent < due; sent++)
            {
                pending.Add(SendAsync(clients[sent % clients.Count], path, key, answers));
            }

            await timer.WaitForNextTickAsync();
        }

        // The limit grows until the last request is decided, so the window ends when the last answer arrives.
        await Task.WhenAll(pending);
        return Summarize(answers, sent, clock.Elapsed);
    }

    /// <summary><paramref name="workers"/> clients each sending the next request as soon as the last is answered.</summary>
    public static async Task<Result> ClosedLoopAsync(IReadOnlyList<HttpClient> clients, string path, string key, int workers, TimeSpan duration)
    {
        var answers = new ConcurrentQueue<(HttpStatusCode Status, double Ms)>();
        var clock = Stopwatch.StartNew();
        var sent = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            var client = clients[worker % clients.Count];
            while (clock.Elapsed < duration)
            {
                Interlocked.Increment(ref sent);
                await SendAsync(client, path, key, answers);
            }
        }));
        return Summarize(answers, sent, clock.Elapsed);
    }

    private static Result Summarize(ConcurrentQueue<(HttpStatusCode Status, double Ms)> answers, int sent, TimeSpan elapsed)
    {
        var all = answers.ToArray();
        return new Result(
            sent,
            all.Count(a => a.Status == HttpStatusCode.OK),
            all.Count(a => a.Status == HttpStatusCode.TooManyRequests),
            all.Count(a => a.Status is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)),
            elapsed,
            [.. all.Select(a => a.Ms)]);
    }

    private static async Task SendAsync(HttpClient client, string path, string key, ConcurrentQueue<(HttpStatusCode, double)> answers)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Client", key);
            using var response = await client.SendAsync(request);
            await response.Content.CopyToAsync(Stream.Null);
            answers.Enqueue((response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }
        catch (HttpRequestException)
        {
            answers.Enqueue((0, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }
    }
}
