using Portico.Hosting;

namespace Portico.RateLimiting;

/// <summary>Start-up checks of <c>Portico:RateLimiting</c>.</summary>
internal sealed class RateLimitingOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var rateLimiting = options.RateLimiting;
        // The shared check (as for the API key table), not Regex.IsMatch, which parses its pattern and builds an
        // interpreter at every start (docs/performance.md, start-up).
        if (!Storage.Tables.TableStorage.IsTableName(rateLimiting.TableName))
        {
            errors.Add($"Portico:RateLimiting:TableName '{rateLimiting.TableName}' is not a table name (3 to 63 letters and digits, starting with a letter).");
        }

        if (rateLimiting.StorageTimeout < TimeSpan.FromMilliseconds(50) || rateLimiting.StorageTimeout > TimeSpan.FromSeconds(10))
        {
            errors.Add("Portico:RateLimiting:StorageTimeout must be between 50 ms and 10 s: a request waits at most this long on counter storage.");
        }

        if (rateLimiting.OutageProbeInterval < TimeSpan.FromMilliseconds(100) || rateLimiting.OutageProbeInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add("Portico:RateLimiting:OutageProbeInterval must be between 100 ms and 5 minutes.");
        }

        if (rateLimiting.HeartbeatInterval < TimeSpan.FromSeconds(1) || rateLimiting.HeartbeatInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add("Portico:RateLimiting:HeartbeatInterval must be between 1 second and 10 minutes.");
        }

        if (rateLimiting.MaxTrackedKeys < 100)
        {
            errors.Add("Portico:RateLimiting:MaxTrackedKeys must be at least 100.");
        }
    }
}
