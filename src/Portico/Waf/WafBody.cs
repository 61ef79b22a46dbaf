using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Portico.Waf;

/// <summary>
/// Reads the first bytes of a JSON or form body (at most <see cref="WafPolicy.MaxBodyBytes"/>), puts them back in
/// front of the rest of the stream for the backend, and feeds the members and fields to the inspection.
/// </summary>
internal static class WafBody
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    /// <summary>The body kind the filter reads, or null: JSON (<c>application/json</c>, <c>*+json</c>) and forms, not compressed.</summary>
    public static bool? IsJson(HttpRequest request)
    {
        if (request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return null; // compressed: the bytes are not text; docs/security.md says so
        }

        var type = request.ContentType.AsSpan();
        var semicolon = type.IndexOf(';');
        type = (semicolon < 0 ? type : type[..semicolon]).Trim();
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ? false : null;
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> bytes and installs the replaying body. Returns the bytes read (a rented buffer
    /// that the replaying stream owns), how many, and whether that was the whole body.
    /// </summary>
    public static async Task<(byte[] Buffer, int Length, bool Complete)> ReadPrefixAsync(HttpContext http, int max)
    {
        var request = http.Request;
        var size = (int)Math.Min(request.ContentLength ?? max, max);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        var length = 0;
        var complete = false;
        try
        {
            while (length < max)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, max) - length), http.RequestAborted);
                if (read == 0)
                {
                    complete = true;
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        var replay = new ReplayedBodyStream(buffer, length, complete ? null : request.Body);
        http.Response.RegisterForDispose(replay);
        request.Body = replay;
        return (buffer, length, complete);
    }

    /// <summary>Inspects a JSON body's member names and string values, by dotted path; a body that does not parse is inspected as text.</summary>
    public static void InspectJson(WafInspection inspection, ReadOnlySpan<byte> json, bool complete)
    {
        var reader = new Utf8JsonReader(json, complete, new JsonReaderState(ReaderOptions));
        var containers = new List<string>(8) { "" };
        string? member = null;
        try
        {
            while (inspection.CanContinue && reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        containers.Add(member ?? containers[^1]); // an array's items carry the array's name
                        member = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        containers.RemoveAt(containers.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var parent = containers[^1];
                        member = parent.Length == 0 ? name : parent + "." + name;
                        inspection.Check(WafTargetKind.Body, member, name);
                        break;
                    case JsonTokenType.String:
                        inspection.Check(WafTargetKind.Body, member ?? containers[^1], reader.GetString());
                        member = null;
                        break;
                    default:
                        member = null;
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON after all (or deeper than 64 levels, or a string that is not UTF-8 or escapes a lone surrogate,
            // which the reader reports as InvalidOperationException): a lenient backend parser may still read it, so the
            // text is inspected.
            inspection.Report("proto-06", WafTargetKind.Request, "request");
            InspectText(inspection, json);
        }
    }

    /// <summary>Inspects a form body's field names and values (<c>+</c> and percent-escapes decoded).</summary>
    public static void InspectForm(WafInspection inspection, ReadOnlySpan<byte> form)
    {
        var text = Encoding.UTF8.GetString(form);
        foreach (var range in text.AsSpan().Split('&'))
        {
            if (!inspection.CanContinue)
            {
                return;
            }

            var pair = text.AsSpan(range);
            var equals = pair.IndexOf('=');
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            inspection.Check(WafTargetKind.Body, name, name);
            if (equals >= 0)
            {
                inspection.Check(WafTargetKind.Body, name, Decode(pair[(equals + 1)..]));
            }
        }
    }

    /// <summary>Inspects text in slices of <see cref="WafInspection.MaxValueLength"/> that overlap, so no payload hides on a boundary.</summary>
    private static void InspectText(WafInspection inspection, ReadOnlySpan<byte> body)
    {
        const int Overlap = 512;
        var text = Encoding.UTF8.GetString(body);
        for (int start = 0; inspection.CanContinue; start += WafInspection.MaxValueLength - Overlap)
        {
            inspection.Check(WafTargetKind.Body, "*", text.AsSpan(start, Math.Min(WafInspection.MaxValueLength, text.Length - start)));
            if (start + WafInspection.MaxValueLength >= text.Length)
            {
                return;
            }
        }
    }

    private static string Decode(ReadOnlySpan<char> part) => Uri.UnescapeDataString(part.ToString().Replace('+', ' '));
}
