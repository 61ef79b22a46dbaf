namespace Portico.Configuration;

/// <summary>
/// REST→gRPC transcoding on a route to a <c>grpc</c> backend (docs/protocols.md#transcoding): JSON requests mapped to
/// the methods of one service by their <c>google.api.http</c> annotations, or <c>POST /package.Service/Method</c>.
/// </summary>
public sealed record TranscodeDefinition
{
    /// <summary>
    /// A <c>FileDescriptorSet</c> file (<c>protoc --descriptor_set_out --include_imports</c>), relative to the registry
    /// file (in Table mode, to the gateway's working directory: a file in the deployment package). Exactly one of this,
    /// <see cref="DescriptorSetBase64"/> and <see cref="DescriptorSetBlob"/>.
    /// </summary>
    public string? DescriptorSet { get; init; }

    /// <summary>The descriptor set itself, in base64, for registries that carry no files beside them.</summary>
    public string? DescriptorSetBase64 { get; init; }

    /// <summary>
    /// The name of a blob holding the descriptor set, in the gateway's descriptor-set container
    /// (<c>Portico:Transcoding:DescriptorSets</c>), read when the registry loads. The registry names the blob only: the
    /// account and container are gateway settings.
    /// </summary>
    public string? DescriptorSetBlob { get; init; }

    /// <summary>The full name of the gRPC service (<c>package.Service</c>).</summary>
    public required string Service { get; init; }

    /// <summary>The methods the route exposes; every method of the service when absent. Each must be in the descriptor set.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>How a server-streaming method answers: <c>ndjson</c> (default, newline-delimited JSON) or <c>sse</c> (server-sent events).</summary>
    public string? Streaming { get; init; }

    /// <summary>Client request headers sent to the service as call metadata; none when absent.</summary>
    public IReadOnlyList<string>? RequestHeaders { get; init; }

    /// <summary>Response headers and trailers of the service passed back to the client; none when absent.</summary>
    public IReadOnlyList<string>? ResponseHeaders { get; init; }
}
