using Portico.Hosting;

namespace Portico.Security;

/// <summary>Start-up checks of <c>Portico:Limits</c>, <c>Portico:IpRestriction</c> and <c>Portico:ForwardedHeaders</c>.</summary>
internal sealed class SecurityOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        if (options.Limits.MaxRequestBodySize < 0)
        {
            errors.Add("Portico:Limits:MaxRequestBodySize must be 0 or more.");
        }

        if (options.Limits.MinRequestBodyDataRate < 0)
        {
            errors.Add($"Portico:Limits:MinRequestBodyDataRate {options.Limits.MinRequestBodyDataRate} must be 0 (off) or more bytes per second.");
        }

        // Kestrel checks the rate once a second, so it refuses a grace period of a second or less.
        var grace = options.Limits.RequestBodyGracePeriod;
        if (grace <= TimeSpan.FromSeconds(1) || grace > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Portico:Limits:RequestBodyGracePeriod {grace} must be more than 1 second and at most 10 minutes.");
        }

        IpRestriction.Compile(options.IpRestriction.Allow, options.IpRestriction.Deny, (field, message) =>
            errors.Add($"Portico:IpRestriction:{char.ToUpperInvariant(field[0])}{field[1..].Replace('[', ':').Replace("]", "", StringComparison.Ordinal)}: {message}."));

        foreach (var proxy in options.ForwardedHeaders.TrustedProxies)
        {
            try
            {
                ForwardedHeadersPolicy.ParseNetwork(proxy);
            }
            catch (FormatException)
            {
                errors.Add($"Portico:ForwardedHeaders:TrustedProxies entry '{proxy}' is not an IP address or CIDR range.");
            }
        }
    }
}
