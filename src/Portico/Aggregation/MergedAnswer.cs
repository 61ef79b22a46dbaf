using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>
/// Writes the merged JSON answer from the parts' parsed answers, in declaration order: each part under its member,
/// or its members copied into the root. Each part is written as one unit and taken back out if it would push the
/// answer over the route's limit, so the limit is exact and memory is bounded.
/// </summary>
internal static class MergedAnswer
{
    private static readonly JsonEncodedText Marker = JsonEncodedText.Encode(AggregateJson.MarkerMember);
    private static readonly JsonEncodedText PartialName = JsonEncodedText.Encode("partial");
    private static readonly JsonEncodedText FailedName = JsonEncodedText.Encode("failed");

    /// <summary>
    /// Writes the answer into <paramref name="buffer"/>. Parts that fail here (over the size limit) are marked on
    /// <paramref name="run"/>; returns whether any optional part failed (the answer is partial).
    /// </summary>
    public static bool Write(AggregateDispatcher plan, AggregateRun run, PooledBufferWriter buffer)
    {
        var states = run.States;
        var parts = plan.Parts;
        var limit = plan.MaxResponseSize;
        HashSet<string>? rootNames = null;
        List<string>? added = null;

        buffer.Write((byte)'{');
        using var writer = new Utf8JsonWriter(buffer, AggregateJson.MergeWriter);
        var any = false;
        foreach (var part in parts)
        {
            var state = states[part.Index];
            JsonElement value;
            var shape = part.Shape;
            if (state.Outcome == PartOutcome.Ok)
            {
                value = state.Data;
            }
            else if (part.Fallback is { } fallback)
            {
                value = fallback;
                shape = PartShape.AsIs;
            }
            else
            {
                continue;
            }

            var mark = buffer.WrittenCount;
            if (any)
            {
                buffer.Write((byte)',');
            }

            writer.Reset(buffer);
            int written;
            if (part.MergeIntoRoot)
            {
                rootNames ??= new HashSet<string>(StringComparer.Ordinal);
                added ??= [];
                added.Clear();
                var taken = rootNames;
                var collect = added;
                written = shape.WriteMembers(writer, value, name =>
                {
                    // Explicit members, the marker and names an earlier root part wrote win over this part's.
                    if (plan.MemberNames.Contains(name) || taken.Contains(name) || collect.Contains(name))
                    {
                        return true;
                    }

                    collect.Add(name);
                    return false;
                });
            }
            else
            {
                writer.WritePropertyName(part.Member);
                shape.WriteValue(writer, value);
                written = 1;
            }

            writer.Flush();
            if (written == 0)
            {
                buffer.Truncate(mark);
                continue;
            }

            // +1 for the closing brace.
            if (buffer.WrittenCount + 1 > limit)
            {
                buffer.Truncate(mark);
                if (state.Outcome == PartOutcome.Ok)
                {
                    run.FailWhileMerging(part, $"its data would make the merged answer larger than the route's limit of {limit} bytes");
                }

                continue;
            }

            if (part.MergeIntoRoot)
            {
                rootNames!.UnionWith(added!);
            }

            any = true;
        }

        var partial = false;
        foreach (var part in parts)
        {
            partial |= part.Optional && states[part.Index].Outcome != PartOutcome.Ok;
        }

        if (partial)
        {
            // The reserved member lists what is missing or replaced by a fallback, in declaration order.
            if (any)
            {
                buffer.Write((byte)',');
            }

            writer.Reset(buffer);
            writer.WritePropertyName(Marker);
            writer.WriteStartObject();
            writer.WriteBoolean(PartialName, true);
            writer.WriteStartArray(FailedName);
            foreach (var part in parts)
            {
                if (states[part.Index].Outcome != PartOutcome.Ok)
                {
                    writer.WriteStringValue(part.EncodedName);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
        }

        buffer.Write((byte)'}');
        return partial;
    }
}
