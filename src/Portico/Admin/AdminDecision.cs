using Portico.Pipeline;

namespace Portico.Admin;

/// <summary>What the admin policy decided about one request, and who to write in the audit log.</summary>
/// <param name="Identity">The verified admin; null when refused (the refusal is already answered).</param>
/// <param name="Principal">Key id, subject or consumer of the caller; <see cref="AuditLog.Unverified"/> when not verified.</param>
/// <param name="AuthMethod">How the caller was (or tried to be) verified: <c>adminKey</c>, <c>jwt</c>, <c>mtls</c>…, <c>none</c>.</param>
/// <param name="Outcome"><c>allowed</c>, or the refusal reason (<c>missing</c>, <c>invalid-key</c>, <c>forbidden</c>, <c>rate-limited</c>…).</param>
internal readonly record struct AdminDecision(GatewayIdentity? Identity, string Principal, string AuthMethod, string Outcome)
{
    public const string AllowedOutcome = "allowed";

    public bool IsAllowed => Identity is not null;

    /// <summary>For a caller let in by a backend's registration key: that backend, the only one whose instances it may register (docs/discovery.md#registration).</summary>
    public string? RegistrantOf { get; init; }
}
