namespace Portico.Discovery;

/// <summary>The names of <see cref="ActiveHealthStatus"/> values in the admin view and the shared health table.</summary>
internal static class ActiveHealthText
{
    public static string Of(ActiveHealthStatus status) => status switch
    {
        ActiveHealthStatus.Healthy => "healthy",
        ActiveHealthStatus.Unhealthy => "unhealthy",
        _ => "unknown",
    };

    /// <summary>The status named <paramref name="text"/>; unknown for a name it does not know.</summary>
    public static ActiveHealthStatus Parse(string? text) => text switch
    {
        "healthy" => ActiveHealthStatus.Healthy,
        "unhealthy" => ActiveHealthStatus.Unhealthy,
        _ => ActiveHealthStatus.Unknown,
    };
}
