using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Sends requests at a fixed rate (not as fast as possible), spread round-robin over several gateways, without
/// waiting for answers before sending the next: the way independent clients of one hot key arrive.
/// </summary>
internal static class PacedLoad
{
    public sealed record Result(IReadOnlyList<(HttpStatusCode Status, TimeSpan Latency, string Body, TimeSpan At)> Answers, TimeSpan Elapsed)
    {
        public int Count(HttpStatusCode status) => Answers.Count(a => a.Status == status);

        public IEnumerable<(HttpStatusCode Status, TimeSpan Latency, string Body, TimeSpan At)> Where(Func<HttpStatusCode, bool> predicate) => Answers.Where(a => predicate(a.Status));
    }

    public static async Task<Result> RunAsync(IReadOnlyList<HttpClient> clients, string path, string key, double perSecond, TimeSpan duration)
    {
        var answers = new ConcurrentQueue<(HttpStatusCode, TimeSpan, string, TimeSpan)>();
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        var sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (clock.Elapsed < duration)
        {
            var due = (int)(clock.Elapsed.TotalSeconds * perSecond) + 1;
            for (; sent < due; sent++)
            {
                var client = clients[sent % clients.Count];
                pending.Add(SendAsync(client, path, key, answers, clock));
            }

            await timer.WaitForNextTickAsync();
        }

        await Task.WhenAll(pending);
        return new Result([.. answers], clock.Elapsed);
    }

    private static async Task SendAsync(HttpClient client, string path, string key, ConcurrentQueue<(HttpStatusCode, TimeSpan, string, TimeSpan)> answers, Stopwatch clock)
    {
        var started = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Client", key);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        answers.Enqueue((response.StatusCode, started.Elapsed, body, clock.Elapsed));
    }
}
