using System.Net;
using Portico.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Grpc;

/// <summary>How requests reach a backend by its <c>protocol</c> (docs/protocols.md#grpc).</summary>
internal static class GrpcForwarding
{
    /// <summary>
    /// The forwarder's settings for a route to <paramref name="backend"/>. A <c>grpc</c> backend is always called over
    /// HTTP/2: gRPC needs it (trailers carry the status), and an http URL means h2c with prior knowledge, which the
    /// default policy (HTTP/2 only where TLS negotiates it) would never use.
    /// </summary>
    public static ForwarderRequestConfig RequestConfig(BackendDefinition backend, TimeSpan activityTimeout) =>
        backend.Protocol == "grpc"
            ? new ForwarderRequestConfig { ActivityTimeout = activityTimeout, Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact }
            : new ForwarderRequestConfig { ActivityTimeout = activityTimeout };
}
