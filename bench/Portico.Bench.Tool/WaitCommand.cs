using System.Diagnostics;

namespace Portico.Bench.Tool;

/// <summary>Waits until a server answers HTTP at all (any status), for at most the given seconds.</summary>
internal static class WaitCommand
{
    public static async Task<int> RunAsync(string url, double seconds)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) })
        {
            Timeout = TimeSpan.FromSeconds(2),
        };
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                using var response = await client.GetAsync(url);
                return 0;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }

        Console.Error.WriteLine($"bench: nothing answered on {url} within {seconds} s");
        return 1;
    }
}
