using Portico.Hosting;

namespace Portico.Transcoding;

/// <summary>Rejects transcoding settings that cannot work, naming the setting.</summary>
internal sealed class TranscodingOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var sets = options.Transcoding.DescriptorSets;
        if (sets.Timeout <= TimeSpan.Zero || sets.Timeout > TimeSpan.FromMinutes(2))
        {
            errors.Add("Portico:Transcoding:DescriptorSets:Timeout must be more than 0 and at most 2 minutes.");
        }

        if (sets.MaxSize is <= 0 or > DescriptorSetBlobOptions.MaxSizeLimit)
        {
            errors.Add($"Portico:Transcoding:DescriptorSets:MaxSize must be between 1 and {DescriptorSetBlobOptions.MaxSizeLimit} bytes.");
        }

        if (string.IsNullOrWhiteSpace(sets.Container))
        {
            errors.Add("Portico:Transcoding:DescriptorSets:Container must name a container.");
        }
    }
}
