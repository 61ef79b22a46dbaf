using Portico.Hosting;

namespace Portico.SecurityHeaders;

/// <summary>Start-up checks of <c>Portico:SecurityHeaders</c>, with the registry's rules for the same fields.</summary>
internal sealed class SecurityHeadersOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var values = SecurityHeadersCompiler.Values(options.SecurityHeaders);
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value && SecurityHeaderFields.Problem(i, value) is { } problem)
            {
                var field = SecurityHeaderFields.All[i].Field;
                errors.Add($"Portico:SecurityHeaders:{char.ToUpperInvariant(field[0])}{field[1..]} '{value}' {problem}.");
            }
        }
    }
}
