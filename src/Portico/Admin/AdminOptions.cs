namespace Portico.Admin;

/// <summary>
/// Who may call the admin endpoints under <c>{EndpointPrefix}/admin</c> (<c>Portico:Admin:*</c>): admin keys, a
/// registry authentication policy with required roles, scopes or consumers, or, for local development only, anyone.
/// With none of them set the admin endpoints are off and say how to turn them on. Separate from consumers: no
/// consumer credential is an admin credential unless the policy settings here make it one. See docs/admin.md.
/// </summary>
public sealed class AdminOptions
{
    /// <summary>
    /// Admin keys by key id (the 12 characters after <c>pk_</c>): only the SHA-256 of each key is stored here.
    /// <c>portico admin key create</c> makes one and prints the setting to add.
    /// </summary>
    public Dictionary<string, AdminKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The id of a registry authentication policy (<c>authPolicies</c>) that admits admins, for example a <c>jwt</c>
    /// policy for Entra ID tokens. Callers it verifies must also hold <see cref="Roles"/>, <see cref="Scopes"/> and be
    /// one of <see cref="Consumers"/>, as far as those are set; at least one of them must be.
    /// </summary>
    public string? Policy { get; set; }

    /// <summary>Roles a caller verified by <see cref="Policy"/> must hold, every one (an Entra ID app role, for example).</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>Scopes a caller verified by <see cref="Policy"/> must hold, every one.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Registry consumers that are admins when verified by <see cref="Policy"/> (for <c>apiKey</c> and <c>mtls</c> policies).</summary>
    public List<string> Consumers { get; set; } = [];

    /// <summary>
    /// Lets every caller in without credentials, audited as <c>anonymous-dev</c>. For local development only; logged as a
    /// warning at start. Cannot be combined with <see cref="Keys"/> or <see cref="Policy"/>. Default false.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>How many failed admin attempts a client address may make before it is refused without verification.</summary>
    public AdminFailedAttemptsOptions FailedAttempts { get; set; } = new();

    /// <summary>Whether any way in is configured.</summary>
    internal bool IsConfigured => Keys.Count > 0 || !string.IsNullOrEmpty(Policy) || AllowAnonymous;
}
