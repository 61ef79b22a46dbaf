namespace Portico.Bench.Failover;

/// <summary>One run's figures: how long after the destination died the gateway last sent it an attempt, how many it sent it meanwhile, and the client's view.</summary>
/// <param name="Variant">Which health checks ran: passive, active or both.</param>
/// <param name="Detection">From the death to the last attempt sent to the dead destination (zero when none was sent after it).</param>
/// <param name="AttemptsAfterDeath">Attempts the gateway sent the dead destination after it died.</param>
/// <param name="Requests">Requests the clients completed over the whole run.</param>
/// <param name="Failed">Requests the clients got an error for (status 500 or more, or no answer).</param>
/// <param name="Seconds">The run's length.</param>
internal sealed record FailoverRun(string Variant, TimeSpan Detection, long AttemptsAfterDeath, long Requests, long Failed, double Seconds)
{
    public double RequestsPerSecond => Requests / Seconds;
}
