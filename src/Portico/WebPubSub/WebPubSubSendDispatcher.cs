using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Portico.Dispatch;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.WebPubSub;

/// <summary>
/// Sending through the service's REST API on behalf of the route's callers (backends, usually): the route's
/// <c>{**target}</c> names what is addressed, and the gateway makes the call with its own credential.
/// </summary>
/// <remarks>
/// Targets, relative to the route's path (values are percent-decoded, then escaped again for the service):
/// <c>POST all</c>, <c>POST users/{user}</c>, <c>POST groups/{group}</c>, <c>POST connections/{id}</c> send the body
/// (<c>text/plain</c>, <c>application/json</c> or <c>application/octet-stream</c>);
/// <c>PUT</c>/<c>DELETE groups/{group}/connections/{id}</c> and <c>users/{user}/groups/{group}</c> change group
/// membership; <c>DELETE connections/{id}</c> closes a connection. The query parameters <c>excluded</c> and
/// <c>filter</c> are passed on to sends; nothing else the caller sends reaches the service.
/// </remarks>
internal sealed class WebPubSubSendDispatcher(string routeId, WebPubSubService service, WebPubSubMetrics metrics, ILogger logger) : IRouteDispatcher
{
    /// <summary>The route value holding the target path.</summary>
    public const string TargetParameter = "target";

    private static readonly string[] SendMediaTypes = ["text/plain", "application/json", "application/octet-stream"];

    public async Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        var target = context.RouteValues[TargetParameter]?.ToString() ?? "";
        var segments = target.Split('/');
        if (segments.Any(s => s.Length == 0) || Operation(method, segments) is not { } operation)
        {
            await ProblemResponse.WriteAsync(http, WebPubSubProblems.UnknownTarget, "Targets are 'all', 'users/{user}', 'groups/{group}', 'connections/{id}' (POST a message), 'groups/{group}/connections/{id}' and 'users/{user}/groups/{group}' (PUT or DELETE a membership), or DELETE 'connections/{id}'.");
            return;
        }

        var isSend = operation.Path.EndsWith("/:send", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method), service.RestUri(operation.Path, isSend ? PassedQuery(http.Request.Query) : null));
        if (isSend)
        {
            var mediaType = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ? parsed.MediaType.ToString() : "";
            if (!SendMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
            {
                await ProblemResponse.WriteAsync(http, GatewayProblems.UnsupportedMediaType, "Send a message as text/plain, application/json or application/octet-stream.");
                return;
            }

            request.Content = new StreamContent(http.Request.Body);
            request.Content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, http.Request.ContentType);
        }

        var call = await service.SendAsync(request, http.RequestAborted);
        if (call.Response is not { } response)
        {
            metrics.RecordCall(routeId, operation.Name, "failed");
            WebPubSubLog.ServiceFailed(logger, routeId, operation.Name, call.Failure ?? "", call.Exception);
            await ProblemResponse.WriteAsync(http, WebPubSubProblems.Unavailable, "Try again later.");
            return;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                metrics.RecordCall(routeId, operation.Name, "ok");
                http.Response.StatusCode = status;
            }
            else if (status is 400 or 404)
            {
                // The caller's own fault: a name the service does not accept, a connection that is gone.
                metrics.RecordCall(routeId, operation.Name, "rejected");
                await ProblemResponse.WriteAsync(http, status == 404 ? WebPubSubProblems.UnknownTarget : WebPubSubProblems.Rejected, $"Azure Web PubSub answered {status} to {operation.Name}.");
            }
            else
            {
                metrics.RecordCall(routeId, operation.Name, "failed");
                WebPubSubLog.ServiceFailed(logger, routeId, operation.Name, $"answered {status}", null);
                await ProblemResponse.WriteAsync(http, WebPubSubProblems.Unavailable, "Try again later.");
            }
        }
    }

    /// <summary>The REST operation for <paramref name="method"/> on the target's segments; null when there is none.</summary>
    private static (string Name, string Path)? Operation(string method, string[] s)
    {
        static string E(string value) => Uri.EscapeDataString(value);
        var post = HttpMethods.IsPost(method);
        var change = HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);
        return s switch
        {
            ["all"] when post => ("sendToAll", "/:send"),
            ["users", var user] when post => ("sendToUser", $"/users/{E(user)}/:send"),
            ["groups", var group] when post => ("sendToGroup", $"/groups/{E(group)}/:send"),
            ["connections", var id] when post => ("sendToConnection", $"/connections/{E(id)}/:send"),
            ["connections", var id] when HttpMethods.IsDelete(method) => ("closeConnection", $"/connections/{E(id)}"),
            ["groups", var group, "connections", var id] when change => ("connectionGroup", $"/groups/{E(group)}/connections/{E(id)}"),
            ["users", var user, "groups", var group] when change => ("userGroup", $"/users/{E(user)}/groups/{E(group)}"),
            _ => null,
        };
    }

    /// <summary>The send options a caller may set: <c>excluded</c> connection ids and an OData <c>filter</c>.</summary>
    private static string PassedQuery(IQueryCollection query)
    {
        var text = new StringBuilder();
        foreach (var name in (ReadOnlySpan<string>)["excluded", "filter"])
        {
            foreach (var value in query[name])
            {
                text.Append(text.Length == 0 ? "" : "&").Append(name).Append('=').Append(Uri.EscapeDataString(value ?? ""));
            }
        }

        return text.ToString();
    }
}
