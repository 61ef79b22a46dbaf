using Portico.Hosting;

namespace Portico.Registry;

/// <summary>Start-up checks of <c>Portico:Registry</c>.</summary>
internal sealed class RegistryOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var registry = options.Registry;
        if (registry.ReloadInterval < TimeSpan.FromSeconds(1) || registry.ReloadInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Portico:Registry:ReloadInterval {registry.ReloadInterval} must be between 1 second and 10 minutes.");
        }

        if (registry.FullRefreshInterval < registry.ReloadInterval)
        {
            errors.Add("Portico:Registry:FullRefreshInterval must not be shorter than ReloadInterval.");
        }

        if (registry.File is null && !Storage.Tables.TableStorage.IsTableName(registry.TableName))
        {
            errors.Add($"Portico:Registry:TableName '{registry.TableName}' is not a table name (3 to 63 letters and digits, starting with a letter).");
        }

        if (registry.StoreTimeout <= TimeSpan.Zero)
        {
            errors.Add("Portico:Registry:StoreTimeout must be positive.");
        }
    }
}
