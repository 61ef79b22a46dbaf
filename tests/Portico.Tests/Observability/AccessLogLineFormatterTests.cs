using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Portico.Observability;

namespace Portico.Tests.Observability;

/// <summary>
/// The access log's line formatter writes the same JSON as System.Text.Json's writer with its default escaping (what
/// the stdout access log used before it formatted lines by hand), byte for byte, for every kind of value a line holds.
/// </summary>
public sealed class AccessLogLineFormatterTests
{
    public static TheoryData<string> Cases => [.. Entries.Keys];

    private static readonly Dictionary<string, AccessLogEntry> Entries = new()
    {
        ["plain request"] = Entry(),
        ["time without fraction"] = Entry() with { Time = new DateTimeOffset(2026, 12, 5, 7, 49, 23, TimeSpan.Zero) },
        ["time with trailing zeros and an offset"] = Entry() with { Time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 120, TimeSpan.FromHours(-5.5)) },
        ["time with all seven digits"] = Entry() with { Time = new DateTimeOffset(638_999_999_999_999_999, TimeSpan.FromHours(14)) },
        ["durations to round"] = Entry() with { DurationMs = 1.23456, UpstreamMs = 0.0004 },
        ["durations whole and half"] = Entry() with { DurationMs = 2.0, UpstreamMs = 0.5 },
        ["durations large and tiny"] = Entry() with { DurationMs = 86_400_000.1239, UpstreamMs = 0.0005001 },
        ["durations at a midpoint"] = Entry() with { DurationMs = 0.0125, UpstreamMs = 1.0015 },
        ["no upstream"] = Entry() with { UpstreamMs = null, BackendId = null },
        ["path with characters to escape"] = Entry() with { Path = "/a\"b\\c/<x>&'+`/\u0001\t\n/caf\u00e9/\u4e2d/\U0001F600" },
        ["path that is long"] = Entry() with { Path = "/" + new string('p', 9000) + "\u00e9" },
        ["consumer and cache"] = Entry() with { ConsumerId = "consumer-1", Cache = "hit" },
        ["IPv6 client with a scope"] = Entry() with { Client = IPAddress.Parse("fe80::1234:5678:9abc:def0%42") },
        ["IPv4-mapped IPv6 client"] = Entry() with { Client = IPAddress.Parse("::ffff:192.168.10.20") },
        ["no client, no trace id"] = Entry() with { Client = null, TraceId = default },
        ["client aborted"] = Entry() with { Outcome = RequestOutcome.ClientAborted, BytesIn = long.MaxValue, BytesOut = 0 },
        ["refused by the server"] = new AccessLogEntry(
            DateTimeOffset.UnixEpoch, null, null, 431, null, null, null, IPAddress.Loopback, 0, null, 0, 0, default, RequestOutcome.Completed, "Request headers too long"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Format_Entry_SameBytesAsSystemTextJson(string name)
    {
        var entry = Entries[name];

        Assert.Equal(Reference(entry), Format(new AccessLogLineFormatter(), entry));
    }

    [Fact]
    public void Format_RouteAndBackendChangeBetweenLines_EachLineHasItsOwn()
    {
        var formatter = new AccessLogLineFormatter();
        string[] routes = ["orders", "users", new string("orders".AsSpan()), "caf\u00e9"];
        foreach (var route in routes)
        {
            var entry = Entry() with { RouteId = route, BackendId = route + "-backend", Method = route == "users" ? "POST" : "GET" };
            Assert.Equal(Reference(entry), Format(formatter, entry));
        }
    }

    [Fact]
    public void Format_UnpairedSurrogateInPath_ReplacementCharacterInValidJson()
    {
        var line = Format(new AccessLogLineFormatter(), Entry() with { Path = "/bad/\ud800/x" });

        Assert.Equal("/bad/\ufffd/x", JsonDocument.Parse(line).RootElement.GetProperty("path").GetString());
    }

    private static string Format(AccessLogLineFormatter formatter, AccessLogEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        formatter.Format(buffer, entry);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // What the stdout access log wrote with Utf8JsonWriter before issue 25's hand-written formatter.
    private static string Reference(AccessLogEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", entry.Time);
            Optional(json, "method", entry.Method);
            Optional(json, "path", entry.Path);
            json.WriteNumber("status", entry.Status);
            Optional(json, "route", entry.RouteId);
            Optional(json, "backend", entry.BackendId);
            Optional(json, "consumer", entry.ConsumerId);
            Optional(json, "client", entry.Client?.ToString());
            json.WriteNumber("durationMs", Math.Round(entry.DurationMs, 3));
            if (entry.UpstreamMs is { } upstream)
            {
                json.WriteNumber("upstreamMs", Math.Round(upstream, 3));
            }

            json.WriteNumber("bytesIn", entry.BytesIn);
            json.WriteNumber("bytesOut", entry.BytesOut);
            if (entry.Refused is null)
            {
                json.WriteString("outcome", entry.Outcome.Name());
            }

            if (!entry.TraceId.IsEmpty)
            {
                json.WriteString("traceId", entry.TraceId.ToString());
            }

            Optional(json, "refused", entry.Refused);
            Optional(json, "cache", entry.Cache);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static AccessLogEntry Entry() => new(
        new DateTimeOffset(2026, 12, 5, 7, 49, 23, TimeSpan.Zero).AddTicks(1_234_567), "GET", "/plain/1k", 200, "plain", "bench-backend", null,
        IPAddress.Loopback, 1.2345678, 0.98765, 0, 1024, new RequestTraceId(0x0123456789abcdef, 0xfedcba9876543210), RequestOutcome.Completed);
}
