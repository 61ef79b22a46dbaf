using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Discovery;

/// <summary>Rejects active health settings that cannot work, naming the setting.</summary>
internal sealed class ActiveHealthOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var health = options.ActiveHealth;
        if (health.Mode is not (null or ActiveHealthOptions.Local or ActiveHealthOptions.Shared))
        {
            errors.Add("Portico:ActiveHealth:Mode must be 'local' or 'shared'.");
        }
        else if (health.IsShared && !options.Storage.IsConfigured)
        {
            errors.Add("Portico:ActiveHealth:Mode 'shared' needs Table storage (Portico:Storage:TableServiceUri or Portico:Storage:ConnectionString).");
        }

        if (!TableStorage.IsTableName(health.TableName))
        {
            errors.Add("Portico:ActiveHealth:TableName must be 3 to 63 letters and digits, starting with a letter.");
        }

        if (health.RefreshInterval < TimeSpan.FromSeconds(1) || health.RefreshInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add("Portico:ActiveHealth:RefreshInterval must be between 1 second and 5 minutes.");
        }
    }
}
