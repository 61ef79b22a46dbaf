namespace Portico.Auth;

/// <summary>
/// Names of the identity headers sent upstream, appended to <c>Portico:IdentityHeaderPrefix</c> (so they are always
/// among the headers stripped from clients).
/// </summary>
public sealed class IdentityHeaderOptions
{
    /// <summary>The consumer id. Default <c>Consumer</c>.</summary>
    public string Consumer { get; set; } = "Consumer";

    /// <summary>The subject. Default <c>Subject</c>.</summary>
    public string Subject { get; set; } = "Subject";

    /// <summary>Granted scopes, space-separated. Default <c>Scopes</c>.</summary>
    public string Scopes { get; set; } = "Scopes";

    /// <summary>Roles, comma-separated. Default <c>Roles</c>.</summary>
    public string Roles { get; set; } = "Roles";

    /// <summary>The authentication method. Default <c>Auth-Method</c>.</summary>
    public string Method { get; set; } = "Auth-Method";

    /// <summary>The gateway-signed identity token. Default <c>Identity-Token</c>.</summary>
    public string Token { get; set; } = "Identity-Token";
}
