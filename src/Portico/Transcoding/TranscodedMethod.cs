using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>A gRPC method a transcoding route calls: its descriptor and the HTTP/2 path of the call.</summary>
internal sealed class TranscodedMethod(MethodDescriptor descriptor)
{
    public MethodDescriptor Descriptor { get; } = descriptor;

    /// <summary><c>/package.Service/Method</c>, the path every gRPC call to the method is a POST to.</summary>
    public string CallPath { get; } = "/" + descriptor.Service.FullName + "/" + descriptor.Name;

    public bool IsServerStreaming => Descriptor.IsServerStreaming;
}
