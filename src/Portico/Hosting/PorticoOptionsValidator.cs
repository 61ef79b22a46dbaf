using Microsoft.Extensions.Options;
using Portico.Security;

namespace Portico.Hosting;

/// <summary>Rejects settings that cannot work, at start-up, naming the setting.</summary>
internal sealed class PorticoOptionsValidator : IValidateOptions<PorticoOptions>
{
    public ValidateOptionsResult Validate(string? name, PorticoOptions options)
    {
        var errors = new List<string>();
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

        var registry = options.Registry;
        if (registry.ReloadInterval < TimeSpan.FromSeconds(1) || registry.ReloadInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Portico:Registry:ReloadInterval {registry.ReloadInterval} must be between 1 second and 10 minutes.");
        }

        if (registry.FullRefreshInterval < registry.ReloadInterval)
        {
            errors.Add("Portico:Registry:FullRefreshInterval must not be shorter than ReloadInterval.");
        }

        if (registry.StoreTimeout <= TimeSpan.Zero)
        {
            errors.Add("Portico:Registry:StoreTimeout must be positive.");
        }

        if (options.Limits.MaxRequestBodySize < 0)
        {
            errors.Add("Portico:Limits:MaxRequestBodySize must be 0 or more.");
        }

        if (options.AccessLog.BufferSize < 1)
        {
            errors.Add("Portico:AccessLog:BufferSize must be at least 1.");
        }

        if (options.Upstream.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("Portico:Upstream:ConnectTimeout must be positive.");
        }

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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
