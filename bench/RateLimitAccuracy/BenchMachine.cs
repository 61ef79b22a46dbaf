namespace Portico.Bench.RateLimit;

/// <summary>What a standalone measurement program records about where it ran: the repository it belongs to and the
/// machine's load (reports state it beside every figure, since the machine may be shared).</summary>
public static class BenchMachine
{
    /// <summary>The one-minute load average, or "?" where /proc is not there.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>The repository's root: the first folder above the program that holds Functions.sln.</summary>
    public static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from the repository (Functions.sln not found above the program)");
    }
}
