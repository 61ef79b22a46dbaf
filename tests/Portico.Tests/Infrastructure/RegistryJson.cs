using System.Text.Json;

namespace Portico.Tests.Auth;

/// <summary>Helpers to write registry JSON with values (PEM, URLs) that need escaping.</summary>
internal static class AuthTestRegistry
{
    /// <summary>A JSON string literal.</summary>
    public static string J(string value) => JsonSerializer.Serialize(value);
}
