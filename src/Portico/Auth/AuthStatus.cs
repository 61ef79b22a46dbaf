namespace Portico.Auth;

/// <summary>How an authentication attempt ended.</summary>
internal enum AuthStatus
{
    /// <summary>The caller is verified.</summary>
    Success,

    /// <summary>The request carries no credential this policy reads.</summary>
    Missing,

    /// <summary>A credential was presented and is not valid.</summary>
    Invalid,

    /// <summary>The credential could not be checked (key store, issuer or introspection endpoint down).</summary>
    Unavailable,
}
