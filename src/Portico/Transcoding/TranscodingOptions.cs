namespace Portico.Transcoding;

/// <summary>
/// Gateway settings of REST→gRPC transcoding (docs/protocols.md#transcoding): where descriptor sets named by
/// <c>descriptorSetBlob</c> are read from. The account and container are the operator's, never the registry's: a
/// registry names a blob, not where to fetch it.
/// </summary>
public sealed class TranscodingOptions
{
    /// <summary>The Blob container that holds descriptor sets (<c>Portico:Transcoding:DescriptorSets:*</c>).</summary>
    public DescriptorSetBlobOptions DescriptorSets { get; set; } = new();
}
