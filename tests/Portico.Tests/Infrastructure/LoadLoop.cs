using System.Collections.Concurrent;
using System.Net;

namespace Portico.Tests.Infrastructure;

/// <summary>Concurrent clients hammering one URL until stopped, recording every answer that was not the expected one.</summary>
public sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly ConcurrentQueue<string> _failures = new();
    private long _succeeded;

    public LoadLoop(HttpClient client, string path, int concurrency = 4, Func<HttpResponseMessage, string, bool>? isExpected = null)
    {
        isExpected ??= (response, _) => response.StatusCode == HttpStatusCode.OK;
        _workers = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(path, _stop.Token);
                    var body = await response.Content.ReadAsStringAsync(_stop.Token);
                    if (isExpected(response, body))
                    {
                        Interlocked.Increment(ref _succeeded);
                    }
                    else
                    {
                        _failures.Enqueue($"{(int)response.StatusCode}: {body}");
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _failures.Enqueue(ex.GetType().Name + ": " + ex.Message);
                }
            }
        }))];
    }

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public IReadOnlyList<string> Failures => [.. _failures];

    /// <summary>Waits until at least <paramref name="count"/> more requests succeeded, so load really ran across a change.</summary>
    public Task<bool> WaitForMoreAsync(long count)
    {
        var target = Succeeded + count;
        return Eventually.TrueAsync(() => Succeeded >= target || !_failures.IsEmpty, TimeSpan.FromSeconds(30));
    }

    private int _disposed;

    /// <summary>Stops the clients and waits for them; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }
}
