using Portico.Hosting;

namespace Portico.Caching;

/// <summary>Rejects cache settings that cannot work, naming the setting.</summary>
internal sealed class CachingOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var caching = options.Caching;
        if (caching.MaxMemoryBytes < 0)
        {
            errors.Add("Portico:Caching:MaxMemoryBytes must be 0 or more bytes.");
        }

        if (caching.MaxBodySize is < 0 or > CacheCompiler.MaxBodySizeLimit)
        {
            errors.Add($"Portico:Caching:MaxBodySize must be between 0 and {CacheCompiler.MaxBodySizeLimit} bytes.");
        }

        if (caching.MaxHeuristicFreshness < TimeSpan.Zero)
        {
            errors.Add("Portico:Caching:MaxHeuristicFreshness must not be negative.");
        }

        if (caching.CoalescingTimeout <= TimeSpan.Zero || caching.CoalescingTimeout > TimeSpan.FromMinutes(4))
        {
            errors.Add("Portico:Caching:CoalescingTimeout must be more than 0 and at most 4 minutes.");
        }

        if (string.IsNullOrWhiteSpace(caching.Name) || !caching.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add("Portico:Caching:Name must be a token of letters, digits, '-', '_' or '.' (it is written into Cache-Status).");
        }

        if (caching.Blob.Timeout <= TimeSpan.Zero || caching.Blob.RetryAfter < TimeSpan.Zero)
        {
            errors.Add("Portico:Caching:Blob:Timeout must be positive and Portico:Caching:Blob:RetryAfter not negative.");
        }

        var purge = caching.Purge;
        if (purge.PollInterval < TimeSpan.FromMilliseconds(100) || purge.PollInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add("Portico:Caching:Purge:PollInterval must be between 100ms and 5 minutes.");
        }

        if (purge.Retention < TimeSpan.FromMinutes(1) || purge.ClockSkew < TimeSpan.Zero)
        {
            errors.Add("Portico:Caching:Purge:Retention must be at least 1 minute and Portico:Caching:Purge:ClockSkew not negative.");
        }
    }
}
