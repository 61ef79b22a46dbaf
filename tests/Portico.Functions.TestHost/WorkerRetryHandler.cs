namespace Portico.Functions.TestHost;

/// <summary>
/// Retries a forward to the worker that failed to connect, as the host does: the worker announces its HTTP address
/// before its server listens, so the first requests after a cold start can find nobody there yet. Up to 10 attempts,
/// 50 ms apart, doubling to at most 250 ms.
/// </summary>
internal sealed class WorkerRetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const int MaxAttempts = 10;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException) when (attempt < MaxAttempts)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
        }
    }
}
