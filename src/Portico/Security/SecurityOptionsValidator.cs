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
