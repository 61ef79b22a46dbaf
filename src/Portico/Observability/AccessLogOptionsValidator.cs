using Portico.Hosting;

namespace Portico.Observability;

/// <summary>Start-up checks of <c>Portico:AccessLog</c>.</summary>
internal sealed class AccessLogOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        if (options.AccessLog.BufferSize < 1)
        {
            errors.Add("Portico:AccessLog:BufferSize must be at least 1.");
        }
    }
}
