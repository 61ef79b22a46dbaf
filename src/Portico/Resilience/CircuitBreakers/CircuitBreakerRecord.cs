namespace Portico.Resilience.CircuitBreakers;

/// <summary>
/// What instances share about one backend's circuit: whether it is open and until when (an absolute time, so an
/// instance that reads it later waits only the rest), for which configuration, and who decided it.
/// </summary>
/// <param name="BackendId">The backend.</param>
/// <param name="ConfigHash">The backend configuration the decision was made under; other configurations ignore it.</param>
/// <param name="IsOpen">Open (calls refused) or closed.</param>
/// <param name="OpenUntil">When an open circuit lets a trial through; ignored when closed.</param>
/// <param name="Instance">The instance that wrote the record.</param>
/// <param name="ChangedAt">When the instance decided.</param>
/// <param name="AfterTrial">An open decided by a failed half-open trial of that instance: other instances do not adopt it (issue 23).</param>
internal sealed record CircuitBreakerRecord(string BackendId, string ConfigHash, bool IsOpen, DateTimeOffset OpenUntil, string Instance, DateTimeOffset ChangedAt, bool AfterTrial = false);
