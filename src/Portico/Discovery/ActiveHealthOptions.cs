namespace Portico.Discovery;

/// <summary>
/// Where active health checks run (<c>Portico:ActiveHealth:*</c>, docs/discovery.md): in each gateway process
/// (<c>local</c>, the default of <c>portico serve</c>), or once per app by the Functions timer, shared through Table
/// storage and read by every instance (<c>shared</c>, the Functions app's default when Table storage is configured).
/// </summary>
public sealed class ActiveHealthOptions
{
    /// <summary>The local mode: this process probes every destination itself.</summary>
    public const string Local = "local";

    /// <summary>The shared mode: probes come from the timer function and reach every instance through the health table.</summary>
    public const string Shared = "shared";

    /// <summary><c>local</c> or <c>shared</c>; null for the host's default (<c>local</c>, or <c>shared</c> in the Functions app with Table storage).</summary>
    public string? Mode { get; set; }

    /// <summary>The shared health table, in the account of <c>Portico:Storage</c>. Default <c>PorticoHealth</c>.</summary>
    public string TableName { get; set; } = "PorticoHealth";

    /// <summary>How often each instance reads the shared health table in the shared mode, 1 s to 5 min. Default 10 s.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether this process reads probe results from the shared table instead of probing itself.</summary>
    public bool IsShared => Mode == Shared;
}
