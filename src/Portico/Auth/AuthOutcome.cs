using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// The result of one authentication attempt: a verified identity, or why not. <see cref="Reason"/> is a short,
/// credential-free word for metrics and logs (<c>expired</c>, <c>signature</c>, <c>revoked</c>…); it never reaches the client.
/// </summary>
internal readonly record struct AuthOutcome(AuthStatus Status, GatewayIdentity? Identity, string Reason, Problem? Problem, string? Challenge)
{
    public static AuthOutcome Success(GatewayIdentity identity) => new(AuthStatus.Success, identity, "", null, null);

    public static AuthOutcome Missing(string challenge) => new(AuthStatus.Missing, null, "missing", GatewayProblems.AuthenticationRequired, challenge);

    public static AuthOutcome Invalid(string reason, Problem problem, string challenge) => new(AuthStatus.Invalid, null, reason, problem, challenge);

    public static AuthOutcome Unavailable(string reason) => new(AuthStatus.Unavailable, null, reason, GatewayProblems.AuthenticationUnavailable, null);
}
