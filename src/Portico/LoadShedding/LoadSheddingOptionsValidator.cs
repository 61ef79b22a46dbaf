using Portico.Hosting;

namespace Portico.LoadShedding;

/// <summary>Start-up checks of <c>Portico:LoadShedding</c>.</summary>
internal sealed class LoadSheddingOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        if (options.LoadShedding.MaxConcurrentRequests < 0)
        {
            errors.Add("Portico:LoadShedding:MaxConcurrentRequests must be 0 (off) or more.");
        }

        if (options.LoadShedding.RetryAfter < TimeSpan.Zero || options.LoadShedding.RetryAfter > TimeSpan.FromHours(1))
        {
            errors.Add("Portico:LoadShedding:RetryAfter must be between 0 and 1 hour.");
        }
    }
}
