using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Portico.Dispatch;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.WebPubSub;

/// <summary>
/// The clients' way in: a caller the route's policy has authenticated gets the service's client URL with an access
/// token for its own user id (the verified subject, the token's <c>sub</c>), the route's roles and groups, valid for the
/// route's token lifetime. The answer is <c>{ "baseUrl", "url", "token" }</c>; a browser then opens
/// <c>new WebSocket(url)</c> to the service itself.
/// </summary>
internal sealed class WebPubSubNegotiateDispatcher(
    string routeId, WebPubSubService service, TimeSpan lifetime, string[] roles, WebPubSubGroupTemplate[] groups, WebPubSubMetrics metrics, ILogger logger)
    : IRouteDispatcher
{
    public async Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var identity = context.Identity;
        var userId = identity.IsAuthenticated ? identity.Subject ?? identity.ConsumerId : null;
        var joined = new List<string>(groups.Length);
        foreach (var template in groups)
        {
            if (template.Resolve(identity) is { } group && !joined.Contains(group))
            {
                joined.Add(group);
            }
        }

        var (token, failure) = await service.ClientTokenAsync(userId, roles, joined, lifetime, http.RequestAborted);
        if (service.UsesManagedIdentity)
        {
            metrics.RecordCall(routeId, "generateToken", token is null ? "failed" : "ok");
        }

        if (token is null)
        {
            WebPubSubLog.ServiceFailed(logger, routeId, "generateToken", failure.Failure ?? "", failure.Exception);
            await ProblemResponse.WriteAsync(http, WebPubSubProblems.Unavailable, "The gateway could not get a client access token from Azure Web PubSub; try again later.");
            return;
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers[HeaderNames.CacheControl] = "no-store"; // the body is a credential
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("baseUrl", service.ClientBaseUrl);
        writer.WriteString("url", service.ClientBaseUrl + "?access_token=" + Uri.EscapeDataString(token));
        writer.WriteString("token", token);
        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted);
        await response.Body.WriteAsync("\n"u8.ToArray(), http.RequestAborted);
    }
}
