namespace Portico.Admin;

/// <summary>Who may call a Portico endpoint.</summary>
internal enum PorticoEndpointAccess
{
    /// <summary>Anyone, without credentials: health probes, the JWKS of identity tokens.</summary>
    Public,

    /// <summary>Operators only, through the admin policy (<c>Portico:Admin</c>); every call is audited.</summary>
    Admin,
}
