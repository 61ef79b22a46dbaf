using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>
/// A real backend whose <c>/healthz</c> answers the status the test sets (200 at first), or holds the probe until the
/// test releases it; every other path is echoed. Counts health probes apart from traffic.
/// </summary>
public sealed class ProbedBackend : IAsyncDisposable
{
    private volatile int _healthStatus = 200;
    private volatile TaskCompletionSource? _hold;
    private int _probes;

    private ProbedBackend()
    {
    }

    public TestBackend Backend { get; private set; } = null!;

    public string Url => Backend.Url;

    /// <summary>Health probes received.</summary>
    public int Probes => Volatile.Read(ref _probes);

    /// <summary>Requests other than probes received.</summary>
    public int Traffic => Backend.Count - Probes;

    public int HealthStatus
    {
        get => _healthStatus;
        set => _healthStatus = value;
    }

    public static async Task<ProbedBackend> StartAsync()
    {
        var probed = new ProbedBackend();
        probed.Backend = await TestBackend.StartAsync(probed.HandleAsync);
        return probed;
    }

    /// <summary>Makes probes wait until <see cref="Release"/>.</summary>
    public void Hold() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _hold?.TrySetResult();

    public ValueTask DisposeAsync()
    {
        Release();
        return Backend.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/healthz"))
        {
            await TestBackend.Echo(context);
            return;
        }

        Interlocked.Increment(ref _probes);
        if (_hold is { } hold)
        {
            await hold.Task.WaitAsync(context.RequestAborted);
        }

        context.Response.StatusCode = _healthStatus;
    }
}
