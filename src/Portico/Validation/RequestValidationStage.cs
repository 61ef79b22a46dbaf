using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Portico.Aggregation;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Validation;

/// <summary>
/// Checks a request against its route's validation rules (docs/validation.md) after authentication and rate limits,
/// before the cache and the backend: path and query parameters, the body's media type (415), and a JSON body's
/// well-formedness, depth and schema (400 <c>validation-failed</c> listing the violations, at most the route's
/// <c>maxViolations</c>). A body is read into memory only on a route with a body rule, bounded by the route's
/// <c>maxRequestBodySize</c>, and is then forwarded byte for byte. A refused request never reaches the backend, so it
/// never counts against the backend's health (issue 17).
/// </summary>
internal sealed partial class RequestValidationStage(ValidationMetrics metrics, ILogger<RequestValidationStage> logger) : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var rules = context.Route!.Validation?.For(context.HttpContext.Request.Method);
        return rules is null ? next(context) : ValidateAsync(context, rules, next);
    }

    private async Task ValidateAsync(GatewayContext context, ValidationRules rules, GatewayDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var hasBody = HasBody(http);
        if (hasBody && rules.MediaTypes is { } mediaTypes && !mediaTypes.Allows(request.ContentType))
        {
            Refuse(context, "media-type");
            await ProblemResponse.WriteAsync(http, GatewayProblems.UnsupportedMediaType, $"This route accepts request bodies of type {string.Join(", ", mediaTypes.Texts)}.");
            return;
        }

        var violations = new ViolationList(rules.MaxViolations);
        CheckPath(context, rules, violations);
        CheckQuery(request.Query, rules, violations);
        if (!hasBody && rules.BodyRequired)
        {
            violations.Add("body", "", "a request body is required");
        }
        else if (hasBody && rules.Body is { } body && MediaTypeList.IsJson(request.ContentType))
        {
            var (buffered, problem) = await ClientBody.ReadAsync(http, context.Route!.MaxRequestBodySize);
            if (problem is not null)
            {
                Refuse(context, "body");
                await ProblemResponse.WriteAsync(http, problem);
                return;
            }

            http.Response.RegisterForDispose(buffered!);
            body.Check(buffered!.Memory, violations);

            // The backend gets exactly the bytes the client sent, from memory now.
            MemoryMarshal.TryGetArray(buffered.Memory, out var segment);
            request.Body = new MemoryStream(segment.Array ?? [], segment.Offset, segment.Count, writable: false);
        }

        if (violations.Count > 0)
        {
            Refuse(context, "rules");
            LogRefused(logger, context.Route!.Id, violations.Count);
            await ProblemResponse.WriteAsync(http, GatewayProblems.ValidationFailed,
                violations.Count == 1 ? "The request breaks 1 rule of this route." : $"The request breaks {violations.Count} rules of this route.",
                violations.Extensions());
            return;
        }

        await next(context);
    }

    private static void CheckPath(GatewayContext context, ValidationRules rules, ViolationList violations)
    {
        foreach (var rule in rules.Path)
        {
            if (context.RouteValues.TryGetValue(rule.Name, out var value) && value?.ToString() is { } text)
            {
                rule.Check("path", text, violations);
            }
        }
    }

    private static void CheckQuery(IQueryCollection query, ValidationRules rules, ViolationList violations)
    {
        foreach (var rule in rules.Query)
        {
            var values = query[rule.Name];
            if (values.Count == 0)
            {
                if (rule.Required)
                {
                    violations.Add("query", rule.Name, "is required");
                }

                continue;
            }

            if (values.Count > 1 && !rule.Repeated)
            {
                violations.Add("query", rule.Name, "may appear only once");
                continue;
            }

            foreach (var value in values)
            {
                rule.Check("query", value ?? "", violations);
            }
        }
    }

    /// <summary>Whether the request carries a body: a non-zero <c>Content-Length</c>, or a chunked one.</summary>
    private static bool HasBody(HttpContext http) =>
        http.Request.ContentLength is { } length ? length > 0 : http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;

    private void Refuse(GatewayContext context, string reason) => metrics.Refused(context.RouteId, reason);

    [LoggerMessage(EventId = 1900, Level = LogLevel.Debug, Message = "Request on route {Route} refused by validation: {Count} violation(s)")]
    private static partial void LogRefused(ILogger logger, string route, int count);
}
