using Portico.Hosting;

namespace Portico.Resilience;

/// <summary>Rejects resilience settings that cannot work, at start-up, naming the setting.</summary>
internal sealed class ResilienceOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var resilience = options.Resilience;
        if (resilience.CircuitBreakerSyncInterval < TimeSpan.FromSeconds(1) || resilience.CircuitBreakerSyncInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Portico:Resilience:CircuitBreakerSyncInterval {resilience.CircuitBreakerSyncInterval} must be between 1 second and 1 minute.");
        }

        // Table names: 3 to 63 letters and digits, starting with a letter.
        var table = resilience.CircuitBreakerTableName;
        if (table is null || table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add("Portico:Resilience:CircuitBreakerTableName must be 3 to 63 letters or digits, starting with a letter.");
        }
    }
}
