using Portico.Hosting;

namespace Portico.AddressLimits;

/// <summary>Start-up checks of <c>Portico:AddressLimits</c>.</summary>
internal sealed class AddressLimitsOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        const string Section = "Portico:AddressLimits:";
        var limits = options.AddressLimits;
        var rate = limits.Rate;
        if (rate.Requests < 0)
        {
            errors.Add($"{Section}Rate:Requests {rate.Requests} must be 0 (off) or more.");
        }
        else if (rate.Requests > 0)
        {
            if (rate.Per <= TimeSpan.Zero || rate.Per > TimeSpan.FromDays(1))
            {
                errors.Add($"{Section}Rate:Per {rate.Per} must be more than 0 and at most 1 day.");
            }
            else if (rate.Per.Ticks / rate.Requests < 1)
            {
                errors.Add($"{Section}Rate:Requests {rate.Requests} per {rate.Per} is more than one request per 100 ns.");
            }

            if (rate.Burst is < 1 or > 10_000_000)
            {
                errors.Add($"{Section}Rate:Burst {rate.Burst} must be between 1 and 10000000.");
            }
        }

        var failures = limits.FailedAuthentication;
        if (failures.Limit < 0)
        {
            errors.Add($"{Section}FailedAuthentication:Limit {failures.Limit} must be 0 (off) or more.");
        }
        else if (failures.Limit > 0 && (failures.Period <= TimeSpan.Zero || failures.Period > TimeSpan.FromDays(1)))
        {
            errors.Add($"{Section}FailedAuthentication:Period {failures.Period} must be more than 0 and at most 1 day.");
        }

        if (limits.MaxTrackedAddresses < 1)
        {
            errors.Add($"{Section}MaxTrackedAddresses {limits.MaxTrackedAddresses} must be at least 1.");
        }

        foreach (var (name, value) in new[]
        {
            ("MaxConcurrentRequests", limits.MaxConcurrentRequests),
            ("MaxConnections", limits.MaxConnections),
            ("MaxConnectionsPerAddress", limits.MaxConnectionsPerAddress),
        })
        {
            if (value < 0)
            {
                errors.Add($"{Section}{name} {value} must be 0 (off) or more.");
            }
        }
    }
}
