using Portico.Problems;

namespace Portico.Transcoding;

/// <summary>
/// gRPC status codes as HTTP answers, per the standard mapping (google/rpc/code.proto, as Envoy's transcoder and
/// Google's API gateways apply it): each code has its HTTP status and a problem code <c>grpc-</c> plus its name.
/// </summary>
internal static class GrpcStatusMapping
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private static readonly int[] Statuses = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

    private static readonly Problem[] Problems = [.. Names.Select((name, code) => new Problem(
        Statuses[code], "grpc-" + name.ToLowerInvariant().Replace('_', '-'), $"The service answered {name}"))];

    /// <summary>The name of <paramref name="code"/> (<c>NOT_FOUND</c>); <c>UNKNOWN</c> for a code gRPC does not define.</summary>
    public static string Name(int code) => code >= 0 && code < Names.Length ? Names[code] : Names[2];

    /// <summary>The answer for <paramref name="code"/>; a code gRPC does not define is <c>UNKNOWN</c>, 500.</summary>
    public static Problem ProblemFor(int code) => code > 0 && code < Problems.Length ? Problems[code] : Problems[2];

    /// <summary>
    /// Whether the service's message and details are about the caller's request and go into the answer.
    /// <c>UNKNOWN</c>, <c>INTERNAL</c> and <c>DATA_LOSS</c> describe the service's own failure: their message and details
    /// are logged, never shown, as a gateway keeps a backend's internals from its clients.
    /// </summary>
    public static bool IsForCaller(int code) => code is not (2 or 13 or 15) && code > 0 && code < Names.Length;
}
