using Portico.Problems;

namespace Portico.Transcoding;

/// <summary>The answers of a transcoding route that are not a gRPC status (docs/problems.md).</summary>
internal static class TranscodingProblems
{
    /// <summary>No method of the route's service is bound to the request's HTTP method and path.</summary>
    public static readonly Problem NoMethod = new(404, "grpc-method-not-mapped", "No gRPC method is mapped to this method and path");

    /// <summary>The body, a path variable or a query parameter cannot be made into the method's request message.</summary>
    public static readonly Problem InvalidRequest = new(400, "invalid-grpc-request", "The request cannot be made into the gRPC request message");
}
