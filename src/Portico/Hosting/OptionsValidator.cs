using Microsoft.Extensions.Options;

namespace Portico.Hosting;

/// <summary>
/// Base of each feature's start-up check of its part of <see cref="PorticoOptions"/>: a feature lists what is
/// wrong, naming the setting, and the host refuses to start with every error at once.
/// </summary>
internal abstract class OptionsValidator : IValidateOptions<PorticoOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PorticoOptions options)
    {
        var errors = new List<string>();
        Validate(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds one message per invalid setting to <paramref name="errors"/>.</summary>
    protected abstract void Validate(PorticoOptions options, List<string> errors);
}
