namespace Portico.Proxy;

/// <summary>
/// The handler of an <see cref="HttpMessageInvoker"/> that overrides <see cref="HttpMessageInvoker.SendAsync"/> and
/// sends through another invoker (the resilience pipeline, the destination choice): the base class needs one, and
/// it is never called.
/// </summary>
internal sealed class NoHandler : HttpMessageHandler
{
    public static readonly NoHandler Instance = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("This invoker sends through another one; its own handler is never called.");
}
