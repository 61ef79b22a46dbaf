namespace Portico.Configuration;

/// <summary>A backend's bulkhead: a cap on concurrent calls with a bounded queue; overflow answers 503.</summary>
public sealed record BulkheadDefinition
{
    /// <summary>Most calls in flight to the backend at once. Default 1024.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Most calls waiting for a slot; beyond it requests are refused at once. Default 128.</summary>
    public int? QueueLimit { get; init; }
}
