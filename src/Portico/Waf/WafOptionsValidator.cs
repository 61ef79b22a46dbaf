using Portico.Hosting;

namespace Portico.Waf;

/// <summary>Start-up checks of <c>Portico:Waf</c>: mode, threshold, body limit and exclusions, each message naming its setting.</summary>
internal sealed class WafOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors) => WafCompiler.CheckGateway(options.Waf, errors);
}
