using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// A policy whose credential is an RFC 6750 bearer token (<c>jwt</c>, <c>introspection</c>): the token is read once,
/// a malformed or oversized one is refused before any verification work, and every refusal carries the same
/// <c>invalid_token</c> challenge. Subclasses verify the token.
/// </summary>
internal abstract class BearerTokenPolicy(string name, string method, int maxTokenSize, string realm) : AuthPolicy(name, method)
{
    private readonly string _invalidChallenge = Challenges.BearerInvalid(realm);

    public override string Challenge { get; } = Challenges.Bearer(realm);

    public sealed override ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context)
    {
        if (!BearerToken.TryRead(context.HttpContext.Request, out var malformed, out var credential))
        {
            return ValueTask.FromResult(malformed ? Invalid("malformed") : AuthOutcome.Missing(Challenge));
        }

        return credential.Length > maxTokenSize ? ValueTask.FromResult(Invalid("too-large")) : VerifyAsync(context, credential);
    }

    /// <summary>Verifies a well-formed token of acceptable size (<see cref="BearerCredential.Token"/> copies it out of the header).</summary>
    protected abstract ValueTask<AuthOutcome> VerifyAsync(GatewayContext context, BearerCredential credential);

    /// <summary>A refusal of the token for <paramref name="reason"/> (in metrics and logs only, never in the answer).</summary>
    protected AuthOutcome Invalid(string reason) => AuthOutcome.Invalid(reason, GatewayProblems.InvalidToken, _invalidChallenge);
}
