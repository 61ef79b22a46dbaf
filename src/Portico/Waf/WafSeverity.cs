namespace Portico.Waf;

/// <summary>
/// How much one matched rule adds to a request's anomaly score. The weights follow the usual anomaly-scoring scale
/// (critical 5, error 4, warning 3, notice 2), so one critical match reaches the default inbound threshold of 5.
/// </summary>
public enum WafSeverity
{
    /// <summary>Adds 2: unusual, harmless on its own.</summary>
    Notice = 2,

    /// <summary>Adds 3: suspicious, blocks only together with another match.</summary>
    Warning = 3,

    /// <summary>Adds 4.</summary>
    Error = 4,

    /// <summary>Adds 5: an attack pattern that blocks on its own at the default threshold.</summary>
    Critical = 5,
}
