namespace Portico.Auth;

/// <summary>Where client certificates come from: the TLS connection, or a trusted front end's header.</summary>
public sealed class ClientCertificateOptions
{
    /// <summary>
    /// Whether the certificate may come from <see cref="ForwardedHeaderName"/> when the connection has none. Only for
    /// Azure Functions / App Service, whose front end terminates TLS and always sets the header itself. Default false.
    /// </summary>
    public bool TrustForwardedHeader { get; set; }

    /// <summary>The header carrying the base64 DER certificate. Default <c>X-ARR-ClientCert</c>.</summary>
    public string ForwardedHeaderName { get; set; } = "X-ARR-ClientCert";
}
