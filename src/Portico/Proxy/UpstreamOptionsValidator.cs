using Portico.Hosting;

namespace Portico.Proxy;

/// <summary>Start-up checks of <c>Portico:Upstream</c>.</summary>
internal sealed class UpstreamOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        if (options.Upstream.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("Portico:Upstream:ConnectTimeout must be positive.");
        }
    }
}
