namespace Portico.Bench.Transcoding;

/// <summary>One way of calling GetBook in the benchmark, and what its recorded rounds measured.</summary>
internal sealed class Side(string name, Func<Task> call)
{
    public string Name { get; } = name;

    public Func<Task> Call { get; } = call;

    public List<double> Times { get; } = [];

    public TimeSpan Elapsed { get; set; }

    public TimeSpan Cpu { get; set; }

    public long Allocated { get; set; }

    /// <summary>Thread-pool work items completed in the recorded rounds: the hops of a call from one thread to another.</summary>
    public long WorkItems { get; set; }
}
