using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Observability;

namespace Portico.Problems;

/// <summary>Writes RFC 9457 <c>application/problem+json</c> answers.</summary>
public static class ProblemResponse
{
    // The body is served as application/problem+json, never embedded in HTML: plain apostrophes and accents read
    // better than \u0027 escapes, and the relaxed encoder still escapes control characters and quotes.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The media type of problem answers.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>
    /// Answers with <paramref name="problem"/>. <paramref name="detail"/> must not carry anything that helps an
    /// attacker or leaks a backend (no addresses, stack traces or key ids). Does nothing once the response has started.
    /// </summary>
    public static Task WriteAsync(HttpContext context, Problem problem, string? detail = null) =>
        WriteAsync(context, problem, detail, null);

    /// <summary>
    /// Answers with <paramref name="problem"/> and RFC 9457 §3.2 extension members (<paramref name="extensions"/>: string,
    /// integer or date values) that let a client act without parsing the detail, such as the policy that limited it or
    /// the <c>part</c> of a composite route that failed. The same rules as for <paramref name="detail"/> apply to them.
    /// </summary>
    public static Task WriteAsync(HttpContext context, Problem problem, string? detail, IReadOnlyList<KeyValuePair<string, object>>? extensions)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        if (context.Features.Get<Pipeline.GatewayContext>() is { } gateway)
        {
            gateway.Problem = problem; // what the refusal was, for traffic analytics (docs/analytics.md)
        }

        response.StatusCode = problem.Status;
        response.ContentType = ContentType;
        response.Headers[HeaderNames.CacheControl] = "no-store";
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff"; // a problem body is data, never content to sniff (issue 17)

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", problem.Type);
            writer.WriteString("title", problem.Title);
            writer.WriteNumber("status", problem.Status);
            if (detail is not null)
            {
                writer.WriteString("detail", detail);
            }

            writer.WriteString("code", problem.Code);
            foreach (var (name, value) in extensions ?? [])
            {
                switch (value)
                {
                    case long number:
                        writer.WriteNumber(name, number);
                        break;
                    case int number:
                        writer.WriteNumber(name, number);
                        break;
                    case DateTimeOffset time:
                        writer.WriteString(name, time);
                        break;
                    case IProblemMember member:
                        writer.WritePropertyName(name);
                        member.WriteValue(writer);
                        break;
                    default:
                        writer.WriteString(name, value.ToString());
                        break;
                }
            }

            // The id the access log and, with tracing, the spans carry (W3C Trace Context), never a connection id.
            Span<char> traceId = stackalloc char[RequestTraceId.Length];
            RequestTraceId.Of(context).Format(traceId);
            writer.WriteString("traceId", traceId);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8); // every JSON answer Portico composes ends with a newline

        response.ContentLength = buffer.WrittenCount;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
