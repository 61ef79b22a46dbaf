using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Polly;
using Portico.Dispatch;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.WebPubSub;

/// <summary>
/// The upstream event handler the service calls (its CloudEvents HTTP binding, binary mode). An <c>OPTIONS</c> request
/// is the abuse-protection handshake: only the configured service's host is allowed. Every event must carry a
/// <c>ce-signature</c> made with one of the access keys over its connection id, or it is refused with 401 and nothing
/// is forwarded. A genuine event is posted to its backend (the backend's resilience applies) with its <c>ce-*</c>
/// attributes as headers, and the backend's answer becomes the event's: for <c>connect</c>, the user id, groups and
/// roles to grant (or 401/403 to refuse the connection); for a user event, the message sent back to the connection.
/// </summary>
/// <remarks>
/// The service's events reach the gateway without a consumer: the route's <c>auth</c> policy still applies (with a
/// managed identity upstream, a <c>jwt</c> policy for the service's Microsoft Entra token) and the signature is
/// checked on top of it whenever access keys are configured.
/// </remarks>
internal sealed class WebPubSubEventDispatcher(
    string routeId, WebPubSubService service, IReadOnlyDictionary<string, WebPubSubEventTarget> targets, WebPubSubMetrics metrics, ILogger logger)
    : IRouteDispatcher
{
    /// <summary>Largest backend answer relayed to a connection: the service's own message limit.</summary>
    public const int MaxReplySize = 1024 * 1024;

    private const string SystemPrefix = "azure.webpubsub.sys.";
    private const string UserPrefix = "azure.webpubsub.user.";

    private readonly byte[][] _keys = [.. service.AccessKeys.Select(Encoding.UTF8.GetBytes)];

    public Task DispatchAsync(GatewayContext context) =>
        HttpMethods.IsOptions(context.HttpContext.Request.Method) ? HandshakeAsync(context.HttpContext) : EventAsync(context);

    /// <summary>CloudEvents HTTP webhook validation: allow the configured service's host, and no one else.</summary>
    private Task HandshakeAsync(HttpContext http)
    {
        var origin = http.Request.Headers["WebHook-Request-Origin"].ToString();
        if (!string.Equals(origin, service.Host, StringComparison.OrdinalIgnoreCase))
        {
            WebPubSubLog.OriginRefused(logger, routeId, origin.Length > 256 ? origin[..256] : origin);
            return ProblemResponse.WriteAsync(http, WebPubSubProblems.OriginNotAllowed, "This endpoint accepts events from its configured Web PubSub service only.");
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.Headers["WebHook-Allowed-Origin"] = service.Host;
        return Task.CompletedTask;
    }

    private async Task EventAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var headers = http.Request.Headers;
        var type = headers["ce-type"].ToString();
        var connectionId = headers["ce-connectionId"].ToString();
        if (!HttpMethods.IsPost(http.Request.Method) || connectionId.Length == 0
            || !string.Equals(headers["ce-hub"].ToString(), service.Hub, StringComparison.Ordinal)
            || EventName(type) is not { } eventName)
        {
            await ProblemResponse.WriteAsync(http, WebPubSubProblems.InvalidEvent, $"Events are POSTed with ce-type, ce-connectionId and ce-hub '{service.Hub}'.");
            return;
        }

        if (_keys.Length > 0 && !WebPubSubSignature.IsValid(headers["ce-signature"].ToString(), connectionId, _keys))
        {
            metrics.RecordEvent(routeId, eventName, "refused");
            WebPubSubLog.SignatureRefused(logger, routeId, connectionId.Length > 128 ? connectionId[..128] : connectionId);
            await ProblemResponse.WriteAsync(http, WebPubSubProblems.InvalidSignature);
            return;
        }

        var isConnect = type == SystemPrefix + "connect";
        var isBlocking = isConnect || type.StartsWith(UserPrefix, StringComparison.Ordinal);
        if (!targets.TryGetValue(eventName, out var target))
        {
            metrics.RecordEvent(routeId, eventName, "unmapped");
            WebPubSubLog.EventUnmapped(logger, routeId, eventName);
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        context.BackendId = target.Backend.Id;
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Uri) { Content = new StreamContent(http.Request.Body) };
        if (http.Request.ContentType is { } contentType)
        {
            request.Content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, contentType);
        }

        foreach (var (name, value) in headers)
        {
            // The CloudEvents attributes are the event; the signature was for the gateway and stays here.
            if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase) && !name.Equals("ce-signature", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await target.Backend.SendAsync(request, http.RequestAborted);
            context.UpstreamDuration = Stopwatch.GetElapsedTime(started);
            var failure = await RelayAsync(http, target, response, isConnect, isBlocking);
            if (failure is not null)
            {
                WebPubSubLog.EventFailed(logger, routeId, eventName, target.Backend.Id, failure, null);
            }

            metrics.RecordEvent(routeId, eventName, failure is null ? "forwarded" : "failed");
        }
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested
                                   && ex is HttpRequestException or OperationCanceledException or ExecutionRejectedException or IOException)
        {
            context.UpstreamDuration = Stopwatch.GetElapsedTime(started);
            metrics.RecordEvent(routeId, eventName, "failed");
            WebPubSubLog.EventFailed(logger, routeId, eventName, target.Backend.Id, ex.GetType().Name, ex);
            // For a blocking event the service closes the connection on an error answer (or refuses it, for connect).
            http.Response.StatusCode = isBlocking ? StatusCodes.Status500InternalServerError : StatusCodes.Status204NoContent;
        }
    }

    /// <summary>
    /// The backend's answer as the event's: statuses the service understands, and the body as a message. Returns why
    /// the backend failed the event (for the log and the metric), or null when it handled it, refusals included.
    /// </summary>
    private static async Task<string?> RelayAsync(HttpContext http, WebPubSubEventTarget target, HttpResponseMessage response, bool isConnect, bool isBlocking)
    {
        var status = (int)response.StatusCode;
        if (!isBlocking)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent; // connected, disconnected: nothing to answer
            return status >= 300 ? $"answered {status}" : null;
        }

        if (status >= 300)
        {
            // connect: 401 and 403 refuse the connection as the backend said; anything else is a failed event.
            http.Response.StatusCode = status is 401 or 403 ? status : status is >= 400 and < 500 ? 400 : 500;
            return status >= 500 ? $"answered {status}" : null;
        }

        if (response.Headers.TryGetValues("ce-connectionState", out var state) && state.FirstOrDefault() is { Length: <= 4096 } stateValue)
        {
            http.Response.Headers["ce-connectionState"] = stateValue;
        }

        var body = await ReadBoundedAsync(response, http.RequestAborted);
        if (body is null || (isConnect && body.Length > 0 && !IsJsonObject(body)))
        {
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return body is null ? $"answered more than {MaxReplySize} bytes" : "answered connect with a body that is not a JSON object";
        }

        if (body.Length == 0)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return null;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = isConnect || IsJson(mediaType) ? "application/json"
            : mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ? "text/plain; charset=utf-8"
            : "application/octet-stream";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
        return null;
    }

    /// <summary>Whether <paramref name="body"/> is one JSON object: the only connect answer the service reads.</summary>
    private static bool IsJsonObject(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxReplySize)
        {
            return null;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxReplySize)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The name events are configured by: <c>connect</c>, <c>connected</c>, <c>disconnected</c>, or the user event's name.</summary>
    private static string? EventName(string type) =>
        type.StartsWith(SystemPrefix, StringComparison.Ordinal) && type[SystemPrefix.Length..] is "connect" or "connected" or "disconnected"
            ? type[SystemPrefix.Length..]
            : type.StartsWith(UserPrefix, StringComparison.Ordinal) && type.Length > UserPrefix.Length
                ? type[UserPrefix.Length..]
                : null;
}
