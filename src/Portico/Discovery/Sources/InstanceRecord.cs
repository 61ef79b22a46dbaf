namespace Portico.Discovery.Sources;

/// <summary>One instance registered through the admin API: where it listens, until when the registration holds, who made it.</summary>
/// <param name="BackendId">The backend it is an instance of.</param>
/// <param name="Url">Its address, as a destination's <c>url</c>.</param>
/// <param name="Weight">Its share of the traffic, 1 to 1000.</param>
/// <param name="Metadata">Free-form facts (such as <c>zone</c>).</param>
/// <param name="LastSeen">The last registration or heartbeat.</param>
/// <param name="ExpiresAt">When it disappears unless a heartbeat comes first.</param>
/// <param name="Registrant">The admin principal that registered it last.</param>
internal sealed record InstanceRecord(
    string BackendId, string Url, int Weight, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset LastSeen, DateTimeOffset ExpiresAt, string Registrant);
