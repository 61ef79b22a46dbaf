using System.Globalization;
using System.Text;

namespace Portico.Analytics;

/// <summary>
/// The compact text form of a rollup's sparse counters in storage: <c>name=count</c> pairs separated by commas, where the
/// name is a reason or outcome (<c>invalid-token=3,forbidden=1</c>) or a latency bucket number (<c>12=40,13=2</c>). Only
/// non-zero counters are written; names a reader does not know (a newer version's) are skipped, so the form only grows.
/// </summary>
internal static class RollupEncoding
{
    /// <summary>Encodes the non-zero <paramref name="counts"/>, named by <paramref name="names"/> or, when null, by index.</summary>
    public static string Encode(long[] counts, string[]? names)
    {
        var text = new StringBuilder();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(names is null ? i.ToString(CultureInfo.InvariantCulture) : names[i]).Append('=').Append(counts[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>Adds the counters of <paramref name="text"/> into <paramref name="counts"/>.</summary>
    public static void Decode(string? text, long[] counts, string[]? names)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        foreach (var pair in text.Split(','))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0 || !long.TryParse(pair.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                continue;
            }

            var name = pair[..equals];
            var index = names is null
                ? (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
                : Array.IndexOf(names, name);
            if ((uint)index < (uint)counts.Length)
            {
                counts[index] += count;
            }
        }
    }
}
