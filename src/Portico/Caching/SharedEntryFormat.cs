using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace Portico.Caching;

/// <summary>
/// How a stored response is written to the shared store: a 4-byte magic and version, the length of a JSON header
/// (everything but the body), the header, then the body as is. A blob that does not read back whole is ignored.
/// </summary>
internal static class SharedEntryFormat
{
    private const uint Magic = 0x50434831; // "PCH1"

    public static byte[] Write(CachedResponse entry)
    {
        var header = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteString("route", entry.RouteId);
            json.WriteString("key", entry.PrimaryKey);
            json.WriteString("host", entry.Host);
            json.WriteString("path", entry.Path);
            json.WriteString("consumer", entry.Consumer);
            WriteStrings(json, "keyHeaders", entry.KeyHeaderValues);
            WriteStrings(json, "varyNames", entry.VaryNames);
            WriteStrings(json, "varyValues", entry.VaryValues);
            json.WriteNumber("status", entry.Status);
            json.WriteStartArray("headers");
            foreach (var (name, values) in entry.Headers)
            {
                foreach (var value in values)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(name);
                    json.WriteStringValue(value);
                    json.WriteEndArray();
                }
            }

            json.WriteEndArray();
            json.WriteNumber("requestTime", entry.RequestTime.UtcTicks);
            json.WriteNumber("responseTime", entry.ResponseTime.UtcTicks);
            json.WriteNumber("initialAge", entry.CorrectedInitialAge.Ticks);
            json.WriteNumber("lifetime", entry.FreshnessLifetime.Ticks);
            json.WriteBoolean("heuristic", entry.HeuristicFreshness);
            WriteStrings(json, "surrogateKeys", entry.SurrogateKeys);
            json.WriteEndObject();
        }

        var result = new byte[12 + header.WrittenCount + entry.Body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(result, Magic);
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(4), header.WrittenCount);
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(8), entry.Body.Length);
        header.WrittenSpan.CopyTo(result.AsSpan(12));
        entry.Body.CopyTo(result.AsSpan(12 + header.WrittenCount));
        return result;
    }

    /// <summary>The entry in <paramref name="data"/>, or null when it is not one written by <see cref="Write"/>.</summary>
    public static CachedResponse? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
        {
            return null;
        }

        var headerLength = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
        var bodyLength = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
        if (headerLength < 2 || bodyLength < 0 || 12L + headerLength + bodyLength != data.Length)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(data.Slice(12, headerLength).ToArray());
            var root = document.RootElement;
            var headers = new List<KeyValuePair<string, StringValues>>();
            foreach (var pair in root.GetProperty("headers").EnumerateArray())
            {
                var name = pair[0].GetString()!;
                var value = pair[1].GetString();
                var at = headers.FindIndex(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (at >= 0)
                {
                    headers[at] = new(name, StringValues.Concat(headers[at].Value, value));
                }
                else
                {
                    headers.Add(new(name, value));
                }
            }

            Microsoft.AspNetCore.Http.IHeaderDictionary view = new Microsoft.AspNetCore.Http.HeaderDictionary();
            foreach (var (name, value) in headers)
            {
                view[name] = value;
            }

            var body = data.Slice(12 + headerLength, bodyLength).ToArray();
            var etag = view.ETag.Count > 0 ? view.ETag[0] : null;
            var lastModified = view.LastModified.Count > 0 ? view.LastModified[0] : null;
            var size = 512L + body.Length + headerLength * 2L;
            var responseTime = new DateTimeOffset(root.GetProperty("responseTime").GetInt64(), TimeSpan.Zero);
            return new CachedResponse
            {
                RouteId = root.GetProperty("route").GetString()!,
                PrimaryKey = root.GetProperty("key").GetString()!,
                Host = root.GetProperty("host").GetString()!,
                Path = root.GetProperty("path").GetString()!,
                Consumer = root.GetProperty("consumer").GetString(),
                KeyHeaderValues = ReadStrings(root, "keyHeaders"),
                VaryNames = [.. ReadStrings(root, "varyNames").Select(v => v ?? "")],
                VaryValues = ReadStrings(root, "varyValues"),
                Status = root.GetProperty("status").GetInt32(),
                Headers = [.. headers],
                Body = body,
                RequestTime = new DateTimeOffset(root.GetProperty("requestTime").GetInt64(), TimeSpan.Zero),
                ResponseTime = responseTime,
                CorrectedInitialAge = TimeSpan.FromTicks(root.GetProperty("initialAge").GetInt64()),
                FreshnessLifetime = TimeSpan.FromTicks(root.GetProperty("lifetime").GetInt64()),
                HeuristicFreshness = root.GetProperty("heuristic").GetBoolean(),
                Directives = CacheControl.Parse(view.CacheControl),
                ETag = etag,
                LastModified = lastModified,
                LastModifiedDate = lastModified is not null && Freshness.TryParseDate(lastModified, responseTime, out var lm) ? lm : null,
                SurrogateKeys = [.. ReadStrings(root, "surrogateKeys").Select(v => v ?? "")],
                Size = size,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string?> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static string?[] ReadStrings(JsonElement root, string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => e.GetString())];
}
