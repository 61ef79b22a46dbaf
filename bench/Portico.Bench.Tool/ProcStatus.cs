using System.Globalization;

namespace Portico.Bench.Tool;

/// <summary>Reads a field of <c>/proc/PID/status</c>, such as VmHWM (peak resident set) or VmRSS, in kB.</summary>
internal static class ProcStatus
{
    public static long? ReadKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var value = line[(field.Length + 1)..].Trim();
                    var space = value.IndexOf(' ', StringComparison.Ordinal);
                    return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return null;
    }
}
