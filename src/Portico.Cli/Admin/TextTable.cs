using System.Text;

namespace Portico.Cli.Admin;

/// <summary>Plain-text tables for a terminal: columns padded to their widest cell, the last one left ragged.</summary>
internal static class TextTable
{
    /// <summary>Appends a blank line, then <paramref name="rows"/> (the first is the header) as aligned columns.</summary>
    public static void Append(StringBuilder text, IReadOnlyList<string[]> rows)
    {
        var widths = rows[0].Select((_, i) => rows.Max(r => r[i].Length)).ToArray();
        text.AppendLine();
        foreach (var cells in rows)
        {
            text.AppendLine(string.Join("  ", cells.Select((cell, i) => i == cells.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
