using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Analytics;

/// <summary>Rejects analytics settings that cannot work, naming the setting.</summary>
internal sealed class AnalyticsOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var analytics = options.Analytics;
        if (!TableStorage.IsTableName(analytics.TableName))
        {
            errors.Add("Portico:Analytics:TableName must be 3 to 63 letters and digits, starting with a letter.");
        }

        if (analytics.Retention < TimeSpan.FromHours(1))
        {
            errors.Add("Portico:Analytics:Retention must be at least 1 hour (00:01:00:00).");
        }

        if (analytics.MaxCellsPerMinute is < 10 or > 100_000)
        {
            errors.Add("Portico:Analytics:MaxCellsPerMinute must be between 10 and 100000.");
        }

        if (analytics.MaxQueryRange < TimeSpan.FromMinutes(1) || analytics.MaxQueryRange > TimeSpan.FromDays(366))
        {
            errors.Add("Portico:Analytics:MaxQueryRange must be between 1 minute and 366 days.");
        }

        if (analytics.MaxQueryRows is < 1000 or > 10_000_000)
        {
            errors.Add("Portico:Analytics:MaxQueryRows must be between 1000 and 10000000.");
        }

        if (analytics.RetryWindow < TimeSpan.Zero || analytics.RetryWindow > TimeSpan.FromHours(24))
        {
            errors.Add("Portico:Analytics:RetryWindow must be between 0 and 24 hours.");
        }

        if (analytics.InstanceId is { } id && (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add("Portico:Analytics:InstanceId must be 1 to 64 letters, digits, '-', '_' or '.'.");
        }
    }
}
