namespace Portico.Admin;

/// <summary>One admin key in the gateway settings (<c>Portico:Admin:Keys:{keyId}</c>): its hash, never the key.</summary>
public sealed class AdminKeyOptions
{
    /// <summary>Lowercase hex SHA-256 of the whole key, as <c>portico admin key create</c> prints it.</summary>
    public string Hash { get; set; } = "";

    /// <summary>Who holds the key (a person or a pipeline), for operators; the audit log names the key by its id.</summary>
    public string? Name { get; set; }
}
