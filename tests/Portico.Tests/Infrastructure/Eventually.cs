using System.Diagnostics;

namespace Portico.Tests.Infrastructure;

/// <summary>Waits for a condition that depends on real background work (a file watcher, a poll) with a hard deadline.</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(25);
        }

        return await condition();
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan within) => TrueAsync(() => Task.FromResult(condition()), within);
}
