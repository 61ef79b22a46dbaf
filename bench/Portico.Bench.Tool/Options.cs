namespace Portico.Bench.Tool;

/// <summary>A minimal <c>--name value</c> parser; an option may repeat.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string Value)> _pairs = [];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value', got '{args[i]}'");
            }

            options._pairs.Add((args[i], args[++i]));
        }

        return options;
    }

    public string Get(string name, string? fallback = null) =>
        _pairs.LastOrDefault(p => p.Name == name).Value ?? fallback ?? throw new ArgumentException($"{name} is required");

    public IReadOnlyList<string> All(string name) => [.. _pairs.Where(p => p.Name == name).Select(p => p.Value)];
}
