using System.Collections.Concurrent;
using System.Text;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A real OTLP/HTTP receiver (protobuf bodies on <c>/v1/traces</c> and <c>/v1/metrics</c>) on 127.0.0.1 that decodes what
/// it receives with a minimal protobuf wire-format reader: spans (ids, parent, name, kind) and metric names, per the
/// OTLP protocol's message definitions (opentelemetry-proto, trace/v1 and metrics/v1).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ConcurrentQueue<string> _metrics = new();
    private TestBackend _server = null!;

    /// <summary>A span as exported: ids in lower-case hex, kind as the OTLP enum (2 server, 3 client).</summary>
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind);

    public string Url => _server.Url;

    public IReadOnlyList<Span> Spans => [.. _spans];

    public IReadOnlyList<string> MetricNames => [.. _metrics];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._server = await TestBackend.StartAsync(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var bytes = body.ToArray();
            switch (context.Request.Path.Value)
            {
                case "/v1/traces":
                    receiver.ReadTraces(bytes);
                    break;
                case "/v1/metrics":
                    receiver.ReadMetrics(bytes);
                    break;
            }

            context.Response.ContentType = "application/x-protobuf";
        });
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    // ExportTraceServiceRequest { 1: ResourceSpans } ; ResourceSpans { 2: ScopeSpans } ; ScopeSpans { 2: Span }
    // Span { 1: trace_id, 2: span_id, 4: parent_span_id, 5: name, 6: kind }
    private void ReadTraces(byte[] message)
    {
        foreach (var resourceSpans in Fields(message, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    _spans.Enqueue(new Span(
                        Hex(Fields(span, 1).FirstOrDefault()), Hex(Fields(span, 2).FirstOrDefault()), Hex(Fields(span, 4).FirstOrDefault()),
                        Encoding.UTF8.GetString(Fields(span, 5).FirstOrDefault() ?? []), (int)(Varints(span, 6).FirstOrDefault())));
                }
            }
        }
    }

    // ExportMetricsServiceRequest { 1: ResourceMetrics } ; ResourceMetrics { 2: ScopeMetrics } ; ScopeMetrics { 2: Metric } ; Metric { 1: name }
    private void ReadMetrics(byte[] message)
    {
        foreach (var resourceMetrics in Fields(message, 1))
        {
            foreach (var scopeMetrics in Fields(resourceMetrics, 2))
            {
                foreach (var metric in Fields(scopeMetrics, 2))
                {
                    _metrics.Enqueue(Encoding.UTF8.GetString(Fields(metric, 1).FirstOrDefault() ?? []));
                }
            }
        }
    }

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of a message.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        Walk(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    private static IEnumerable<ulong> Varints(byte[] message, int number) =>
        Walk(message).Where(f => f.Number == number && f.Bytes is null).Select(f => f.Value);

    private static List<(int Number, byte[]? Bytes, ulong Value)> Walk(byte[] message)
    {
        var fields = new List<(int, byte[]?, ulong)>();
        var at = 0;
        while (at < message.Length)
        {
            var key = ReadVarint(message, ref at);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    fields.Add((number, null, ReadVarint(message, ref at)));
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref at);
                    fields.Add((number, message[at..(at + length)], 0));
                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {key & 7}");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
