using System.Buffers;
using System.Net.WebSockets;

namespace Portico.WebSockets;

/// <summary>
/// Relays messages between the client's WebSocket and the backend's, frame by frame, until either side closes: a
/// close from one side is passed to the other with its status and reason. The gateway closes both sides itself when
/// no message passes for the idle timeout (1001) or a message grows beyond the limit (1009, RFC 6455 §7.4.1); the part
/// of an oversized message beyond the limit is never forwarded.
/// </summary>
internal sealed class WebSocketRelay
{
    private const int BufferSize = 16 * 1024;

    private readonly WebSocket _client;
    private readonly WebSocket _backend;
    private readonly WebSocketPolicy _policy;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _clientSend = new(1, 1);
    private readonly SemaphoreSlim _backendSend = new(1, 1);
    private readonly TaskCompletionSource<(WebSocketCloseStatus Status, string Reason)> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WebSocketRelay(WebSocket client, WebSocket backend, WebSocketPolicy policy, TimeProvider time)
    {
        _client = client;
        _backend = backend;
        _policy = policy;
        _time = time;
    }

    private string? _ending;

    /// <summary>How the relay ended, for the log and metrics: who closed first, or why the gateway closed both sides.</summary>
    public string Ending => _ending ?? "closed";

    /// <summary>Runs until both directions have ended; <paramref name="aborted"/> is the client's connection going away.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        // The idle clock restarts with every message either way (CancelAfter moves the provider's timer).
        using var idle = new CancellationTokenSource(_policy.IdleTimeout, _time);
        using var onIdle = idle.Token.Register(() => Stop(WebSocketCloseStatus.EndpointUnavailable, "idle timeout", "idle"));
        using var onAbort = aborted.Register(() => Stop(WebSocketCloseStatus.EndpointUnavailable, "client gone", "client-gone"));
        var pumps = Task.WhenAll(
            PumpAsync(_client, _backend, _backendSend, idle, "client"),
            PumpAsync(_backend, _client, _clientSend, idle, "backend"));
        var graceful = false;
        try
        {
            if (await Task.WhenAny(pumps, _stop.Task).ConfigureAwait(false) != pumps)
            {
                var (status, reason) = await _stop.Task.ConfigureAwait(false);
                await Task.WhenAll(CloseAsync(_client, _clientSend, status, reason), CloseAsync(_backend, _backendSend, status, reason)).ConfigureAwait(false);

                // Each side should answer the close; one that does not is cut off after a grace period.
                using var grace = new CancellationTokenSource(CloseGrace, _time);
                await pumps.WaitAsync(grace.Token).ConfigureAwait(false);
            }
            else
            {
                await pumps.ConfigureAwait(false);
            }

            graceful = true;
        }
        catch (OperationCanceledException)
        {
            // the grace period ran out: abandoned below
        }
        finally
        {
            if (!graceful)
            {
                _client.Abort();
                _backend.Abort();
            }

            await pumps.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>How long a side has to answer the gateway's close before its connection is cut.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private void Stop(WebSocketCloseStatus status, string reason, string ending)
    {
        Interlocked.CompareExchange(ref _ending, ending, null);
        _stop.TrySetResult((status, reason));
    }

    /// <summary>Relays messages from <paramref name="source"/> to <paramref name="destination"/> until a close or a failure.</summary>
    private async Task PumpAsync(WebSocket source, WebSocket destination, SemaphoreSlim destinationSend, CancellationTokenSource idle, string side)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long messageLength = 0;
            while (true)
            {
                // Never more than one byte beyond the limit is read into the buffer before the limit is judged.
                var room = (int)Math.Min(buffer.Length, _policy.MaxMessageSize - messageLength + 1);
                var result = await source.ReceiveAsync(buffer.AsMemory(0, room), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Interlocked.CompareExchange(ref _ending, side + "-closed", null);
                    await CloseAsync(destination, destinationSend, source.CloseStatus ?? WebSocketCloseStatus.Empty, source.CloseStatusDescription).ConfigureAwait(false);
                    return;
                }

                messageLength += result.Count;
                if (messageLength > _policy.MaxMessageSize)
                {
                    Stop(WebSocketCloseStatus.MessageTooBig, "message too big", side + "-message-too-big");
                    return;
                }

                idle.CancelAfter(_policy.IdleTimeout);
                await destinationSend.WaitAsync().ConfigureAwait(false);
                try
                {
                    await destination.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    destinationSend.Release();
                }

                if (result.EndOfMessage)
                {
                    messageLength = 0;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // One side went away without a close: the other is told the peer is gone.
            Stop(WebSocketCloseStatus.EndpointUnavailable, "peer gone", side + "-gone");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends a close to <paramref name="socket"/> unless it has already sent or received one both ways.</summary>
    private static async Task CloseAsync(WebSocket socket, SemaphoreSlim send, WebSocketCloseStatus status, string? reason)
    {
        await send.WaitAsync().ConfigureAwait(false);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                // A close with no status code (1005) cannot be sent on (RFC 6455 §7.4.1): it goes on as an empty close.
                await socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : reason, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // the side is gone already
        }
        finally
        {
            send.Release();
        }
    }
}
