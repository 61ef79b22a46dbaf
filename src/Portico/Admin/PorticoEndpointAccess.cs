namespace Portico.Admin;

/// <summary>Who may call a Portico endpoint.</summary>
internal enum PorticoEndpointAccess
{
    /// <summary>Anyone, without credentials: health probes, the JWKS of identity tokens.</summary>
    Public,

    /// <summary>Operators only, through the admin policy (<c>Portico:Admin</c>); every call is audited.</summary>
    Admin,

    /// <summary>
    /// The static code of an admin page (the dashboard's HTML, script and styles): under <c>/admin</c>, served without
    /// credentials because it holds no data and decides nothing. A browser cannot attach a header to a navigation, so the
    /// page asks for the admin credential and sends it with every data call, each of which goes through the admin policy.
    /// </summary>
    AdminPage,
}
