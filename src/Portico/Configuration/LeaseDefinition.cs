namespace Portico.Configuration;

/// <summary>How an instance leases tokens from a shared bucket (<c>leased</c> store).</summary>
public sealed record LeaseDefinition
{
    /// <summary>Largest block of tokens one instance holds at a time. Default: a tenth of a second of the policy's rate, at least 1, at most half the burst.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>How long leased tokens may be spent before the unspent ones go back to the shared bucket. Default <c>1s</c>.</summary>
    public string? Ttl { get; init; }
}
