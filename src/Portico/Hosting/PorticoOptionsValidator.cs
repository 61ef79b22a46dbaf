namespace Portico.Hosting;

/// <summary>Start-up checks of the gateway-wide settings; each feature checks its own section beside it.</summary>
internal sealed class PorticoOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        if (!options.EndpointPrefix.StartsWith('/') || options.EndpointPrefix.Length < 2 || options.EndpointPrefix.EndsWith('/'))
        {
            errors.Add($"Portico:EndpointPrefix '{options.EndpointPrefix}' must start with '/' and not end with one, for example '/_portico'.");
        }

        if (options.EndpointPrefix.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) || options.EndpointPrefix.StartsWith("/runtime", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("Portico:EndpointPrefix must not be under /admin or /runtime: the Functions host reserves them.");
        }

        if (string.IsNullOrWhiteSpace(options.IdentityHeaderPrefix) || options.IdentityHeaderPrefix.Length < 3)
        {
            errors.Add("Portico:IdentityHeaderPrefix must be a header name prefix such as 'X-Portico-'.");
        }
    }
}
