using Portico.Configuration;

namespace Portico.Discovery.Sources;

/// <summary>
/// Instances that registered themselves through the admin API (<c>PUT {prefix}/admin/backends/{id}/instances</c>) with
/// a time to live, renewed by heartbeats: every refresh reads the backend's registrations, keeps those not expired and
/// removes up to <see cref="MaxRemovalsPerRefresh"/> expired ones from the store. An empty answer is the truth (every
/// instance left), unlike a failed read, which keeps the last known destinations.
/// </summary>
internal sealed class RegistrationSource(DiscoverySettings settings, IInstanceStore store, DiscoverySourceTelemetry telemetry, TimeProvider time)
    : DiscoverySource(settings, telemetry, time)
{
    public const string TypeName = "registration";

    /// <summary>Most expired registrations one refresh deletes; the rest go on later refreshes.</summary>
    public const int MaxRemovalsPerRefresh = 20;

    public IInstanceStore Store => store;

    protected override async Task<(IReadOnlyList<DiscoveredDestination> Found, TimeSpan Next)> FetchAsync(CancellationToken cancellationToken)
    {
        var records = await store.ListAsync(Settings.BackendId, cancellationToken);
        var now = Time.GetUtcNow();
        var expired = records.Where(r => r.ExpiresAt <= now).Take(MaxRemovalsPerRefresh).ToList();
        foreach (var record in expired)
        {
            await store.DeleteAsync(record.BackendId, record.Url, cancellationToken);
        }

        if (expired.Count > 0)
        {
            Telemetry.Expired(Settings.BackendId, expired.Count);
        }

        var live = records
            .Where(r => r.ExpiresAt > now)
            .OrderBy(r => r.Url, StringComparer.Ordinal)
            .Select(r => new DiscoveredDestination(new DestinationDefinition { Url = r.Url, Weight = r.Weight, Metadata = r.Metadata }, r.LastSeen))
            .ToList();
        return (live, Settings.RefreshInterval);
    }
}
