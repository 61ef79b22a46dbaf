namespace Portico.Auth;

/// <summary>Whether a key for a token's <c>kid</c> is at hand.</summary>
internal enum KeyAvailability
{
    /// <summary>A candidate key is loaded.</summary>
    Found,

    /// <summary>Keys are loaded, none has this kid (and a refresh was not allowed or did not bring it).</summary>
    NotFound,

    /// <summary>No keys were ever loaded: the issuer could not be reached.</summary>
    Unavailable,
}
