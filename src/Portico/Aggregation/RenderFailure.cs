namespace Portico.Aggregation;

/// <summary>Why a part's request could not be built: which value, and what was wrong with it.</summary>
/// <param name="Value">The placeholder's value reference.</param>
/// <param name="Status">Missing, not a scalar, or unsafe where it goes.</param>
internal readonly record struct RenderFailure(ValueReference Value, ValueStatus Status)
{
    /// <summary>Words for logs and problem details, never containing the value.</summary>
    public string Describe() => Status switch
    {
        ValueStatus.Missing => $"{Value.Description} is missing",
        ValueStatus.NotScalar => $"{Value.Description} is an object or array, not a string, number or boolean",
        _ => $"{Value.Description} has a value that cannot be sent there (a control character in a header, or a '.' or '..' path segment)",
    };
}
